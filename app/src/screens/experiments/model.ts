/*
 * Experiments as the admin API returns them (src/experiments is the source), restated only as far
 * as the screens read them.
 */

export type ExperimentStatus = 'draft' | 'running' | 'stopped' | 'completed';
export type Method = 'frequentist' | 'sequential' | 'bayesian';

export interface Experiment {
  id: string;
  key: string;
  name: string;
  status: ExperimentStatus;
  winner: string | null;
  definition: {
    description?: string;
    unit?: string;
    kind?: string;
    traffic?: number;
    variants: { key: string; name?: string; weight: number }[];
    metrics: { id: string; name?: string; kind: string; event?: string; guardrail?: boolean }[];
    primaryMetric?: string;
    analysis?: { method?: Method; alpha?: number; difference?: 'relative' | 'absolute'; minUnitsPerVariant?: number; targetMde?: number };
    allocation?: string;
  };
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
}

export type MethodNumbers = { method: 'bayesian'; chanceToWin: number; risk: [number, number] } | { method: 'frequentist' | 'sequential'; pValue: number | null; adjustedPValue: number | null };
export type Comparison =
  | { ok: true; estimate: number; ci: [number | null, number | null]; standardError: number; significant: boolean; direction: 'better' | 'worse' | 'none'; says: string; numbers: MethodNumbers }
  | { ok: false; reason: string; message: string };

export interface MetricResult {
  metric: string;
  name: string;
  kind: string;
  primary: boolean;
  guardrail: boolean;
  cuped: { theta: number; varianceReduction: number } | null;
  variants: { variant: string; units: number; value: number | null; comparison: Comparison | null }[];
}

export type WarningCode = 'srm' | 'too_early' | 'underpowered' | 'guardrail' | 'no_variance';
export type VerdictStatus = 'not_enough_data' | 'srm' | 'no_difference_yet' | 'winner' | 'loser' | 'guardrail_failed';

export interface Results {
  experiment: string;
  experimentId: string;
  status: ExperimentStatus;
  winner: string | null;
  method: Method;
  alpha: number;
  difference: 'relative' | 'absolute';
  computedAt: string;
  units: { variant: string; units: number; expectedShare: number; observedShare: number }[];
  srm: { chiSquare: number; pValue: number; mismatch: boolean };
  metrics: MetricResult[];
  warnings: { code: string; message: string; metric?: string; variant?: string }[];
  verdict: { status: string; variant: string | null; text: string };
  promote: string | null;
  promoted: string | null;
}

export const WARNING_CODES: readonly WarningCode[] = ['srm', 'too_early', 'underpowered', 'guardrail', 'no_variance'];
export const VERDICTS: readonly VerdictStatus[] = ['not_enough_data', 'srm', 'no_difference_yet', 'winner', 'loser', 'guardrail_failed'];
export const METHODS: readonly Method[] = ['sequential', 'frequentist', 'bayesian'];
