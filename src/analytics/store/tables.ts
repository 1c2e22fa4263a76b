/* The analytics module's tables (row types; see src/storage/schema.ts for the conventions). */

export interface AnalyticsAdSpendTable {
  workspace_id: string;
  source: string;
  campaign: string;
  day: string;
  amount: number;
  updated_at: number;
}

export interface AnalyticsReportSchedulesTable {
  workspace_id: string;
  id: string;
  frequency: string;
  recipients: string;
  next_run_at: number;
  last_run_at: number | null;
  last_error: string | null;
  created_at: number;
}

export interface AnalyticsUsageTable {
  workspace_id: string;
  analysis: string;
  runs: number;
  last_run_at: number;
}

/** The analytics module's tables by name, part of the store's `Schema`. */
export interface AnalyticsTables {
  analytics_ad_spend: AnalyticsAdSpendTable;
  analytics_report_schedules: AnalyticsReportSchedulesTable;
  analytics_usage: AnalyticsUsageTable;
}
