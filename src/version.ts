// The tl version, read once from package.json: shown by `tl --version` and recorded in tl.json.
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const TL_VERSION: string = require('../package.json').version;
