// The native room's API: provisioning the TensorFlow C library and loading tfjs-node on it.
export { loadTf, loadedAllocator, tensorflowVersion, PROVISION_HINT, ALLOW_JS_BACKEND_ENV } from './load';
export { tensorFlowEnv, allocatorSetting, BFC_ALLOCATOR_ENV } from './tf-env';
export type { AllocatorSetting } from './tf-env';
export type { Tf, LoadOptions } from './load';
export { provisionNativeBackend, ensureNativeBackend, runRoutes, buildRoutes, RouteSkipped, ROUTE_ORDER, realDeps } from './provision';
export type { ProvisionEvent, ProvisionOptions, ProvisionResult, RouteReport, RouteName, Route, ProvisionDeps } from './provision';
export { tfjsNodeLayout, tfjsNodeLayoutAt, readStamp, nativeFilesPresent } from './layout';
export { ensureTfjsNodePackage, locateTfjsNode, userCacheTfjsNodeDir, pinnedTfjsNodeVersion } from './package-place';
export type { TfjsNodePlace, PlaceOptions } from './package-place';
export type { NativeSource, NativeStamp, TfjsNodeLayout } from './layout';
export { listCacheEntries, dirSize } from './cache';
export { PINNED_TENSORFLOW_VERSION } from './wheel';
