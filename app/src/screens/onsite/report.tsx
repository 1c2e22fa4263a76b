import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useFormat, useT } from '../../i18n/i18n';
import { Card, DataTable, Empty, ErrorNotice, Loading, Stat, type Column } from '../../ui/ui';
import { onsiteMessages } from './messages';
import type { Arm, OnsiteReport } from './model';
import { UpliftText } from './shared';

/** One campaign's report: every arm (variants, all together, the holdout) and the uplift with its interval. */
export function CampaignReportCard({ campaignId }: { campaignId: string }) {
  const t = useT(onsiteMessages);
  const format = useFormat();
  const report = useQuery({ queryKey: ['onsite', 'report', campaignId], queryFn: () => api.get<OnsiteReport>('/api/v1/onsite/report', { query: { campaignId } }) });
  const entry = report.data?.campaigns[0];
  const variantArms = (entry?.arms ?? []).filter((arm) => arm.arm !== 'holdout');
  const armName = (arm: string) => (arm === 'holdout' ? t('arm.holdout') : arm === 'all' ? t('arm.all') : t('variant', { key: arm }));
  const rate = (value: number | null) => (value === null ? '—' : format.percent(value, 2));
  const columns: Column<Arm>[] = [
    { key: 'arm', header: t('arm'), cell: (arm) => armName(arm.arm) },
    { key: 'visitors', header: t('visitors'), numeric: true, cell: (arm) => format.number(arm.visitors), csv: (arm) => arm.visitors },
    { key: 'impressions', header: t('impressions'), numeric: true, cell: (arm) => format.number(arm.impressions), csv: (arm) => arm.impressions },
    { key: 'clicks', header: t('clicks'), numeric: true, cell: (arm) => format.number(arm.clickers), csv: (arm) => arm.clickers },
    { key: 'ctr', header: t('ctr'), numeric: true, cell: (arm) => rate(arm.ctr), csv: (arm) => arm.ctr },
    { key: 'submissions', header: t('submissions'), numeric: true, cell: (arm) => format.number(arm.submissions), csv: (arm) => arm.submissions },
    { key: 'conversions', header: t('conversions'), numeric: true, cell: (arm) => format.number(arm.conversions), csv: (arm) => arm.conversions },
    { key: 'rate', header: t('conversionRate'), numeric: true, cell: (arm) => rate(arm.conversionRate), csv: (arm) => arm.conversionRate },
    { key: 'revenue', header: t('revenue'), numeric: true, cell: (arm) => format.number(arm.revenue, 2), csv: (arm) => arm.revenue },
    { key: 'rpv', header: t('rpv'), numeric: true, cell: (arm) => (arm.revenuePerVisitor === null ? '—' : format.number(arm.revenuePerVisitor, 2)), csv: (arm) => arm.revenuePerVisitor },
  ];
  return (
    <Card title={t('report')}>
      <p className="muted small">{t('reportHint')}</p>
      {report.isPending ? <Loading /> : null}
      <ErrorNotice error={report.error} onRetry={() => void report.refetch()} />
      {entry === undefined ? null : entry.all.visitors === 0 && (entry.holdout?.visitors ?? 0) === 0 ? (
        <Empty>{t('noReport')}</Empty>
      ) : (
        <>
          <div className="grid stats">
            <Stat label={t('impressions')} value={format.number(entry.all.impressions)} />
            <Stat label={t('ctr')} value={rate(entry.all.ctr)} />
            <Stat label={t('conversions')} value={format.number(entry.all.conversions)} />
            <Stat label={t('upliftConversion')} value={<UpliftText uplift={entry.uplift.conversionRate} />} />
            <Stat label={t('upliftRevenue')} value={<UpliftText uplift={entry.uplift.revenuePerVisitor} />} />
          </div>
          <DataTable
            caption={t('report')}
            columns={columns}
            rows={[...variantArms, ...(variantArms.length > 1 ? [entry.all] : []), ...(entry.holdout === null ? [] : [entry.holdout])]}
            rowKey={(arm) => arm.arm}
            csvName={`onsite-${campaignId}`}
          />
        </>
      )}
    </Card>
  );
}
