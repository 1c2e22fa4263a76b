import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { defineMessages, useFormat, useT, type Format } from '../../i18n/i18n';
import { ErrorNotice, Loading, Page, Stat } from '../../ui/ui';

const messages = defineMessages({
  en: { title: 'Home', description: 'This period against the previous one and the benchmarks shops are judged by.', kpis: 'Key figures', reference: 'Benchmark: {reference}' },
  ar: { title: 'الرئيسية', description: 'هذه الفترة مقارنةً بالفترة السابقة وبالمعايير التي تُقاس بها المتاجر.', kpis: 'الأرقام الرئيسية', reference: 'المعيار: {reference}' },
  ja: { title: 'ホーム', description: '今期を前期およびショップの評価基準と比較します。', kpis: '主要指標', reference: '基準: {reference}' },
});

interface KpiLine {
  key: string;
  label: string;
  unit: string;
  value: number | null;
  previous: number | null;
  change: number | null;
  reference: string;
  status: string;
}

function formatValue(format: Format, unit: string, value: number | null, currency: string): string {
  if (value === null) return '—';
  if (unit === 'ratio' || unit === 'percent') return format.percent(value);
  if (unit === 'money') return format.money(value, currency);
  return format.number(value, 1);
}

export function HomeScreen() {
  const t = useT(messages);
  const format = useFormat();
  const kpis = useQuery({ queryKey: ['analytics', 'kpis'], queryFn: () => api.get<{ lines: KpiLine[]; currency?: string }>('/api/v1/analytics/kpis') });
  return (
    <Page title={t('title')} description={t('description')}>
      <h2>{t('kpis')}</h2>
      {kpis.isPending ? <Loading /> : null}
      <ErrorNotice error={kpis.error} onRetry={() => void kpis.refetch()} />
      {kpis.data === undefined ? null : (
        <div className="grid stats">
          {kpis.data.lines.map((line) => (
            <Stat
              key={line.key}
              label={line.label}
              value={formatValue(format, line.unit, line.value, kpis.data.currency ?? 'USD')}
              detail={t('reference', { reference: line.reference })}
              tone={line.status === 'good' ? 'good' : line.status === 'bad' ? 'bad' : 'neutral'}
            />
          ))}
        </div>
      )}
    </Page>
  );
}
