import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api } from '../../api/client';
import { useFormat, useT } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { Card, DataTable, ErrorNotice, Loading, Page, type Column } from '../../ui/ui';
import { onsiteMessages } from './messages';
import { WIDGET_TYPES, type Arm, type Campaign, type OnsiteReport, type Starter, type TypeReport } from './model';
import { StatusBadge, UpliftText, useTypeName } from './shared';
import './onsite.css';

/*
 * The on-site list: every campaign with its state and the last 90 days' reach and uplift, the
 * uplift per template across campaigns, and the gallery a new campaign starts from.
 */

export const campaignsQuery = { queryKey: ['onsite', 'campaigns'], queryFn: () => api.get<{ campaigns: Campaign[] }>('/api/v1/onsite/campaigns') };
export const startersQuery = { queryKey: ['onsite', 'starters'], queryFn: () => api.get<{ starters: Starter[] }>('/api/v1/onsite/starters'), staleTime: Infinity };

/** The template gallery: the ready campaigns (six seed templates and the others) and a blank of every type. */
export function Gallery() {
  const t = useT(onsiteMessages);
  const typeName = useTypeName();
  const starters = useQuery(startersQuery);
  return (
    <Card title={t('gallery')}>
      <p className="muted">{t('galleryHint')}</p>
      <ErrorNotice error={starters.error} onRetry={() => void starters.refetch()} />
      <h3 className="onsite-subtitle">{t('starters')}</h3>
      {starters.isPending ? <Loading /> : null}
      <ul className="onsite-gallery">
        {(starters.data?.starters ?? []).map((starter) => (
          <li key={starter.key} className="onsite-tile">
            <span className={`onsite-thumb onsite-thumb-${starter.type}`} aria-hidden="true">
              <span />
            </span>
            <Link to="/onsite/new" search={{ template: starter.key }} className="onsite-tile-link">
              {starter.name}
            </Link>
            <span className="muted small">
              {typeName(starter.type)} · {t(`typeHint.${starter.type}`)}
            </span>
          </li>
        ))}
      </ul>
      <h3 className="onsite-subtitle">{t('blank')}</h3>
      <ul className="onsite-gallery compact">
        {WIDGET_TYPES.map((type) => (
          <li key={type} className="onsite-tile">
            <span className={`onsite-thumb onsite-thumb-${type}`} aria-hidden="true">
              <span />
            </span>
            <Link to="/onsite/new" search={{ type }} className="onsite-tile-link">
              {typeName(type)}
            </Link>
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function OnsiteScreen() {
  const t = useT(onsiteMessages);
  const format = useFormat();
  const typeName = useTypeName();
  const { me } = useSession();
  const campaigns = useQuery(campaignsQuery);
  const report = useQuery({ queryKey: ['onsite', 'report'], queryFn: () => api.get<OnsiteReport>('/api/v1/onsite/report') });
  const byId = new Map((report.data?.campaigns ?? []).map((entry) => [entry.campaignId, entry]));
  const armCell = (arm: Arm | undefined, pick: (arm: Arm) => string) => (arm === undefined ? '—' : pick(arm));

  const columns: Column<Campaign>[] = [
    {
      key: 'name',
      header: t('name'),
      cell: (campaign) => (
        <Link to="/onsite/$id" params={{ id: campaign.id }}>
          {campaign.name}
        </Link>
      ),
      csv: (campaign) => campaign.name,
    },
    { key: 'type', header: t('type'), cell: (campaign) => typeName(campaign.type) },
    { key: 'status', header: t('status'), cell: (campaign) => <StatusBadge status={campaign.status} />, csv: (campaign) => t(`status.${campaign.status}`) },
    {
      key: 'impressions',
      header: t('impressions'),
      numeric: true,
      cell: (campaign) => armCell(byId.get(campaign.id)?.all, (arm) => format.number(arm.impressions)),
      csv: (c) => byId.get(c.id)?.all.impressions,
    },
    {
      key: 'ctr',
      header: t('ctr'),
      numeric: true,
      cell: (campaign) => armCell(byId.get(campaign.id)?.all, (arm) => (arm.ctr === null ? '—' : format.percent(arm.ctr))),
      csv: (c) => byId.get(c.id)?.all.ctr,
    },
    {
      key: 'conversions',
      header: t('conversions'),
      numeric: true,
      cell: (campaign) => armCell(byId.get(campaign.id)?.all, (arm) => format.number(arm.conversions)),
      csv: (c) => byId.get(c.id)?.all.conversions,
    },
    {
      key: 'uplift',
      header: t('uplift'),
      cell: (campaign) => {
        const entry = byId.get(campaign.id);
        return entry === undefined ? '—' : <UpliftText uplift={entry.uplift.conversionRate} />;
      },
      csv: (c) => {
        const uplift = byId.get(c.id)?.uplift.conversionRate;
        return uplift?.ok === true ? uplift.estimate : '';
      },
    },
  ];

  const typeColumns: Column<TypeReport>[] = [
    { key: 'type', header: t('type'), cell: (row) => typeName(row.type) },
    { key: 'campaigns', header: t('campaigns'), numeric: true, cell: (row) => format.number(row.campaigns), csv: (row) => row.campaigns },
    { key: 'visitors', header: t('visitors'), numeric: true, cell: (row) => format.number(row.all.visitors), csv: (row) => row.all.visitors },
    { key: 'impressions', header: t('impressions'), numeric: true, cell: (row) => format.number(row.all.impressions), csv: (row) => row.all.impressions },
    { key: 'ctr', header: t('ctr'), numeric: true, cell: (row) => (row.all.ctr === null ? '—' : format.percent(row.all.ctr)), csv: (row) => row.all.ctr },
    { key: 'conversions', header: t('conversions'), numeric: true, cell: (row) => format.number(row.all.conversions), csv: (row) => row.all.conversions },
    { key: 'uplift', header: t('uplift'), cell: (row) => <UpliftText uplift={row.uplift.conversionRate} />, csv: (row) => (row.uplift.conversionRate.ok ? row.uplift.conversionRate.estimate : '') },
  ];

  return (
    <Page
      title={t('title')}
      description={t('description')}
      actions={
        canEdit(me?.role) ? (
          <Link to="/onsite/new" className="button primary">
            {t('newCampaign')}
          </Link>
        ) : undefined
      }
    >
      <div className="onsite-stack">
        <Card title={t('campaigns')}>
          {campaigns.isPending ? <Loading /> : null}
          <ErrorNotice error={campaigns.error} onRetry={() => void campaigns.refetch()} />
          <ErrorNotice error={report.error} onRetry={() => void report.refetch()} />
          {campaigns.data === undefined ? null : (
            <DataTable caption={t('campaignsCaption')} columns={columns} rows={campaigns.data.campaigns} rowKey={(row) => row.id} csvName="onsite-campaigns" empty={t('noCampaigns')} />
          )}
        </Card>
        {report.data === undefined ? null : (
          <Card title={t('byTemplate')}>
            <p className="muted small">{t('period', { from: format.date(report.data.from), to: format.date(report.data.to) })}</p>
            <DataTable caption={t('byTemplateCaption')} columns={typeColumns} rows={report.data.types} rowKey={(row) => row.type} csvName="onsite-uplift-by-template" />
          </Card>
        )}
        {canEdit(me?.role) ? <Gallery /> : null}
      </div>
    </Page>
  );
}
