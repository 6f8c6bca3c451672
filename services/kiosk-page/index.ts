export { type KioskPage, type KioskPageOptions, kioskPageRoutes } from './kiosk-page-routes.ts';
