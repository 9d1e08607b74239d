// The declarative pipeline engine's pure core: schema, catalog, validation, scheduling.
// Safe to import from workflow code (no Node modules, no Temporal).
export * from './types';
export * from './ports';
export * from './expr';
export * from './template';
export * from './schema';
export * from './catalog';
export * from './select-best';
export * from './validate';
export * from './load';
export * from './schedule';
export * from './job-inputs';
export * from './progress';
