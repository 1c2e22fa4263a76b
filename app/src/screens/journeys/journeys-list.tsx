import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api } from '../../api/client';
import { useFormat, useT } from '../../i18n/i18n';
import { useLive } from '../../live/use-live';
import { Badge, DataTable, Empty, ErrorNotice, Loading, Page } from '../../ui/ui';
import { journeyMessages } from './messages';
import { statusTone, type Journey, type JourneyStatus } from './model';
import './journeys.css';

interface LiveCounts {
  journeys: { id: string; status: JourneyStatus; version: number; entered: number; inProgress: number }[];
}

export function JourneysListScreen() {
  const t = useT(journeyMessages);
  const format = useFormat();
  const journeys = useQuery({ queryKey: ['journeys'], queryFn: () => api.get<{ journeys: Journey[] }>('/api/v1/journeys') });
  const live = useLive<LiveCounts>('/api/v1/journeys/live');
  const counts = new Map((live.data?.journeys ?? []).map((row) => [row.id, row]));
  const rows = journeys.data?.journeys ?? [];
  return (
    <Page
      title={t('title')}
      description={t('description')}
      actions={
        <Link to="/journeys/new" className="button primary journeys-new-link">
          {t('newJourney')}
        </Link>
      }
    >
      {journeys.isPending ? <Loading /> : null}
      <ErrorNotice error={journeys.error} onRetry={() => void journeys.refetch()} />
      {journeys.data === undefined ? null : rows.length === 0 ? (
        <Empty>{t('noJourneys')}</Empty>
      ) : (
        <>
          <p className="journeys-live muted" aria-live="off">
            <span className={`journeys-dot ${live.connected ? 'on' : ''}`} aria-hidden="true" /> {live.connected ? t('live') : t('reconnecting')}
          </p>
          <DataTable
            caption={t('list')}
            csvName="journeys"
            rowKey={(row) => row.id}
            rows={rows}
            columns={[
              {
                key: 'name',
                header: t('name'),
                cell: (row) => (
                  <Link to="/journeys/$id" params={{ id: row.id }}>
                    {row.name}
                  </Link>
                ),
                csv: (row) => row.name,
              },
              {
                key: 'status',
                header: t('status'),
                cell: (row) => {
                  const status = counts.get(row.id)?.status ?? row.status;
                  return <Badge tone={statusTone(status)}>{t(`status.${status}`)}</Badge>;
                },
                csv: (row) => counts.get(row.id)?.status ?? row.status,
              },
              { key: 'trigger', header: t('trigger'), cell: (row) => t(`trigger.${row.definition.trigger.type}`) },
              { key: 'entered', header: t('entered'), numeric: true, cell: (row) => format.number(counts.get(row.id)?.entered ?? 0), csv: (row) => counts.get(row.id)?.entered ?? 0 },
              { key: 'inProgress', header: t('inProgress'), numeric: true, cell: (row) => format.number(counts.get(row.id)?.inProgress ?? 0), csv: (row) => counts.get(row.id)?.inProgress ?? 0 },
              { key: 'version', header: t('version'), numeric: true, cell: (row) => format.number(counts.get(row.id)?.version ?? row.version), csv: (row) => row.version },
              { key: 'updated', header: t('updated'), cell: (row) => format.relative(row.updatedAt), csv: (row) => row.updatedAt },
            ]}
          />
        </>
      )}
    </Page>
  );
}
