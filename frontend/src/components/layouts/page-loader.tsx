import { Center, Loader } from '@mantine/core';

/** While a page's code or data is on its way. */
export function PageLoader() {
  return (
    <Center mih="50vh" role="status">
      <Loader />
    </Center>
  );
}
