// Mantine's CSS for the sign-in page beyond the first load's (src/app/styles/first-load.ts):
// the card and the form, in the page's chunk. In Mantine's order (a later file may override
// an earlier one); the first load's files all come before them. A test
// (src/app/styles/first-load.test.tsx) fails when the page uses a class without its CSS.
import '@mantine/core/styles/Paper.css';
import '@mantine/core/styles/ActionIcon.css';
import '@mantine/core/styles/Input.css';
import '@mantine/core/styles/Alert.css';
import '@mantine/core/styles/PasswordInput.css';
