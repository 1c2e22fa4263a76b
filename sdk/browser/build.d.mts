/** What sdk/browser/build.mjs writes to manifest.json: file names below /sdk/v1/. */
export interface SdkManifest {
  version: string;
  loader: string;
  core: string;
  sw: string;
  widgets: Record<string, string>;
}

/** Builds loader, core, widget chunks and service worker into `outDir` and writes manifest.json. */
export function buildSdk(options?: { outDir?: string; widgetDirs?: string[] }): Promise<SdkManifest>;
