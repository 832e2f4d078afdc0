// Mantine's CSS for what the first load renders: the public layout (header, language switch,
// footer), the not-found and error pages and the page loader. The sign-in page adds its own
// (features/auth/login-styles.ts); every other page loads all of Mantine's CSS with its chunk
// (./all.ts, see router.tsx). Keep Mantine's order (that of @mantine/core/styles.css): later
// files override earlier ones. A test (first-load.test.tsx) renders these pages and fails when
// one uses a class whose CSS is not imported.
//
// default-css-variables.css is left out: MantineProvider writes every variable of the theme
// itself (`deduplicateCssVariables={false}` in provider.tsx), which costs less than the file.
import '@mantine/core/styles/baseline.css';
import '@mantine/core/styles/global.css';
import '@mantine/core/styles/UnstyledButton.css';
import '@mantine/core/styles/Loader.css';
import '@mantine/core/styles/Group.css';
import '@mantine/core/styles/FloatingIndicator.css';
import '@mantine/core/styles/Text.css';
import '@mantine/core/styles/Anchor.css';
import '@mantine/core/styles/Button.css';
import '@mantine/core/styles/Center.css';
import '@mantine/core/styles/Container.css';
import '@mantine/core/styles/SegmentedControl.css';
import '@mantine/core/styles/Stack.css';
import '@mantine/core/styles/Title.css';
