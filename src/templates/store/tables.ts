/* The templates module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface TemplatesTable {
  workspace_id: string;
  id: string;
  name: string;
  channel: string;
  published_version: number | null;
  latest_version: number;
  created_at: number;
  updated_at: number;
}

export interface TemplateVersionsTable {
  workspace_id: string;
  template_id: string;
  version: number;
  content: string;
  compiled: string;
  created_at: number;
}

export interface SnippetsTable {
  workspace_id: string;
  name: string;
  description: string;
  current_version: number;
  created_at: number;
  updated_at: number;
}

export interface SnippetVersionsTable {
  workspace_id: string;
  name: string;
  version: number;
  source: string;
  description: string;
  restored_from: number | null;
  created_at: number;
}

/** The templates module's tables by name, part of the store's `Schema`. */
export interface TemplateTables {
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
  snippets: SnippetsTable;
  snippet_versions: SnippetVersionsTable;
}
