import { useNotifications } from '@mantine/notifications';
import { lazy, Suspense, useState } from 'react';

// The container (portal, transitions, its CSS) is loaded with the first notification: most
// pages, the sign-in page among them, never show one.
const Notifications = lazy(() => import('./notifications'));

/** Where `notify*` notifications appear (top right); mounted from the first one on. */
export function NotificationsHost() {
  const { notifications, queue } = useNotifications();
  const [needed, setNeeded] = useState(false);
  if (!needed && notifications.length + queue.length > 0) setNeeded(true);
  if (!needed) return null;
  return (
    <Suspense fallback={null}>
      <Notifications />
    </Suspense>
  );
}
