/** The journal: SQLite (better-sqlite3, imported only here), what check, serve and the build queue record. */
export { JournalError, type Db } from './db.ts';
export { openJournal, alarmText, type Journal, type JournalLog, type JournalOptions, type Offered } from './journal.ts';
export { createGate } from './gate.ts';
export type { BuildRow, BuildVerdict, Evidence, Source } from './rows.ts';
export {
  openReader, storyOf, summarize, listEvidence, confirmationsOf,
  type Story, type Summary, type EvidenceItem, type LogTally, type DecisionStory, type BuildStory, type ClaimStory,
} from './read.ts';
