export * from './schema';
export * from './errors';
export * from './duration';
export { parseRunbook, loadRunbookFile, type LoadedRunbook, type ParseResult } from './load';
export { semanticProblems, findCycle } from './checks';
export * from './plan';
