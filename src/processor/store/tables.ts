/* The processor module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface ProcessorCursorsTable {
  workspace_id: string;
  partition: number;
  seq: number;
  updated_at: number;
}

/** The processor module's tables by name, part of the store's `Schema`. */
export interface ProcessorTables {
  processor_cursors: ProcessorCursorsTable;
}
