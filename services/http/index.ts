export { ApiError } from './api-error.ts';
export { type AppDependencies, createApp } from './create-app.ts';
export { bundlePage, PageBuildError, pageBrowserTargets } from './page-bundle.ts';
