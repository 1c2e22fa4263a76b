import { defineMessages, type Format, type Translate } from '../../i18n/i18n';

/*
 * The KPI report's lines in the reader's language: the server labels them in English, so the
 * home screen and the analytics KPI tab map each line's `key` to these messages (and the
 * benchmark beside it), and format its value by its `unit`.
 */

export interface KpiLine {
  key: string;
  label: string;
  unit: string;
  value: number | null;
  previous: number | null;
  change: number | null;
  reference: string;
  status: string;
}

export interface KpiReport {
  from: string;
  to: string;
  previousFrom: string;
  lines: KpiLine[];
  currency?: string;
}

export const kpiMessages = defineMessages({
  en: {
    conversion_rate: 'Conversion rate',
    conversion_rate_ref: '2.5% on average; aim for 7%',
    bounce_rate: 'Bounce rate',
    bounce_rate_ref: 'Under 40%',
    avg_session_seconds: 'Average session',
    avg_session_seconds_ref: 'About 3.5 minutes',
    aov: 'Average order value',
    aov_ref: 'Above $125',
    returning_customer_rate: 'Returning customers',
    returning_customer_rate_ref: '20–30% a month',
    new_revenue_share: 'Revenue from new customers',
    new_revenue_share_ref: 'New vs returning split (no fixed target)',
    organic_share: 'Organic share of traffic',
    organic_share_ref: 'About even between organic and paid',
    cpa: 'Cost per acquisition',
    cpa_ref: 'About $45 across channels',
    roas: 'Return on ad spend',
    roas_ref: '3.0 or more',
    ltv_cac: 'LTV to CAC',
    ltv_cac_ref: '3 or more',
    nps: 'Net promoter score',
    nps_ref: 'Above 0; above 50 is excellent',
    status_good: 'On target',
    status_watch: 'Watch',
    status_poor: 'Below benchmark',
    'status_n/a': 'No benchmark',
    seconds: '{value} s',
    points: '{sign}{value} pts',
    vsPrevious: '{change} vs previous ({previous})',
    noPrevious: 'No previous figure',
  },
  ar: {
    conversion_rate: 'معدل التحويل',
    conversion_rate_ref: '2.5% في المتوسط؛ استهدف 7%',
    bounce_rate: 'معدل الارتداد',
    bounce_rate_ref: 'أقل من 40%',
    avg_session_seconds: 'متوسط الجلسة',
    avg_session_seconds_ref: 'نحو 3.5 دقائق',
    aov: 'متوسط قيمة الطلب',
    aov_ref: 'أكثر من 125 دولارًا',
    returning_customer_rate: 'العملاء العائدون',
    returning_customer_rate_ref: '20–30% شهريًا',
    new_revenue_share: 'الإيراد من العملاء الجدد',
    new_revenue_share_ref: 'توزيع الجدد والعائدين (بلا هدف ثابت)',
    organic_share: 'حصة الزيارات العضوية',
    organic_share_ref: 'متوازنة تقريبًا بين العضوي والمدفوع',
    cpa: 'تكلفة الاكتساب',
    cpa_ref: 'نحو 45 دولارًا عبر القنوات',
    roas: 'العائد على الإنفاق الإعلاني',
    roas_ref: '3.0 أو أكثر',
    ltv_cac: 'القيمة الدائمة إلى تكلفة الاكتساب',
    ltv_cac_ref: '3 أو أكثر',
    nps: 'صافي نقاط الترويج',
    nps_ref: 'فوق 0؛ وفوق 50 ممتاز',
    status_good: 'ضمن الهدف',
    status_watch: 'للمتابعة',
    status_poor: 'دون المعيار',
    'status_n/a': 'بلا معيار',
    seconds: '{value} ث',
    points: '{sign}{value} نقطة',
    vsPrevious: '{change} مقارنةً بالسابق ({previous})',
    noPrevious: 'لا رقم سابق',
  },
  ja: {
    conversion_rate: 'コンバージョン率',
    conversion_rate_ref: '平均 2.5%、目標 7%',
    bounce_rate: '直帰率',
    bounce_rate_ref: '40% 未満',
    avg_session_seconds: '平均セッション時間',
    avg_session_seconds_ref: '約 3.5 分',
    aov: '平均注文額',
    aov_ref: '125 ドル超',
    returning_customer_rate: 'リピート顧客',
    returning_customer_rate_ref: '月 20〜30%',
    new_revenue_share: '新規顧客の売上比率',
    new_revenue_share_ref: '新規とリピートの内訳（固定目標なし）',
    organic_share: 'オーガニック流入の比率',
    organic_share_ref: 'オーガニックと有料がほぼ半々',
    cpa: '顧客獲得単価',
    cpa_ref: '全チャネルで約 45 ドル',
    roas: '広告費用対効果',
    roas_ref: '3.0 以上',
    ltv_cac: 'LTV / CAC',
    ltv_cac_ref: '3 以上',
    nps: 'ネットプロモータースコア',
    nps_ref: '0 超、50 超は優秀',
    status_good: '目標達成',
    status_watch: '要注意',
    status_poor: '基準未満',
    'status_n/a': '基準なし',
    seconds: '{value} 秒',
    points: '{sign}{value} pt',
    vsPrevious: '前期比 {change}（前期 {previous}）',
    noPrevious: '前期の数値なし',
  },
});

export type KpiKey = keyof (typeof kpiMessages)['en'];

function isKpiKey(key: string): key is KpiKey {
  return Object.hasOwn(kpiMessages.en, key);
}

/** The line's name in the reader's language (the server's English label only for a key this app does not know yet). */
export function kpiLabel(t: Translate<KpiKey>, line: KpiLine): string {
  return isKpiKey(line.key) ? t(line.key) : line.label;
}

export function kpiReference(t: Translate<KpiKey>, line: KpiLine): string {
  const key = `${line.key}_ref`;
  return isKpiKey(key) ? t(key) : line.reference;
}

export function kpiStatus(t: Translate<KpiKey>, status: string): string {
  const key = `status_${status}`;
  return isKpiKey(key) ? t(key) : status;
}

export function kpiTone(status: string): 'good' | 'bad' | 'warn' | 'neutral' {
  return status === 'good' ? 'good' : status === 'poor' ? 'bad' : status === 'watch' ? 'warn' : 'neutral';
}

/** A value in its unit: ratios as percentages, money in the shop's currency, seconds, multiples, scores. */
export function kpiValue(t: Translate<KpiKey>, format: Format, unit: string, value: number | null, currency: string): string {
  if (value === null) return '—';
  if (unit === 'ratio' || unit === 'percent') return format.percent(value);
  if (unit === 'currency' || unit === 'money') return format.money(value, currency);
  if (unit === 'seconds') return t('seconds', { value: format.number(value) });
  if (unit === 'multiple') return `${format.number(value, 2)}×`;
  return format.number(value, 1);
}

/** The change from the previous period: percentage points for ratios, the unit's own difference otherwise. */
export function kpiChange(t: Translate<KpiKey>, format: Format, line: KpiLine, currency: string): string {
  if (line.change === null || line.previous === null) return t('noPrevious');
  const sign = line.change > 0 ? '+' : line.change < 0 ? '−' : '';
  const magnitude = Math.abs(line.change);
  const change = line.unit === 'ratio' || line.unit === 'percent' ? t('points', { sign, value: format.number(magnitude * 100, 1) }) : `${sign}${kpiValue(t, format, line.unit, magnitude, currency)}`;
  return t('vsPrevious', { change, previous: kpiValue(t, format, line.unit, line.previous, currency) });
}
