// All of Mantine's CSS, loaded with every page but the sign-in page (router.tsx). It repeats
// the first load's rules, later and in Mantine's order, so the cascade ends up as with the
// single stylesheet.
import '@mantine/core/styles.css';
