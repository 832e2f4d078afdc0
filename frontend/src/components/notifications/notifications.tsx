// A notification's close button and loader, then the notification, as in Mantine's order.
import '@mantine/core/styles/Loader.css';
import '@mantine/core/styles/CloseButton.css';
import '@mantine/core/styles/Notification.css';
import '@mantine/notifications/styles.css';

import { Notifications } from '@mantine/notifications';

/** Loaded lazily by `NotificationsHost`. */
export default function NotificationsContainer() {
  return <Notifications position="top-right" />;
}
