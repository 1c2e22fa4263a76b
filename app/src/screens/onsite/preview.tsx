import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import { useLocale, useT } from '../../i18n/i18n';
import { Button, Card, ErrorNotice, Field, Loading } from '../../ui/ui';
import { onsiteMessages } from './messages';
import type { Campaign } from './model';

/*
 * The live preview: the storefront (the demo shop on this server, or the shop's own https page)
 * in a frame, opened with the API's preview URL (`?rapport_preview=<id>&rapport_variant=<key>`),
 * which makes the SDK show the saved campaign now, whatever its targeting, triggers and caps,
 * without counting a view.
 */

export function PreviewCard({
  campaign,
  variants,
  dirty,
  editable,
  nonce,
  onRefresh,
}: {
  campaign: Campaign | undefined;
  variants: string[];
  dirty: boolean;
  editable: boolean;
  nonce: number;
  onRefresh: () => Promise<void>;
}) {
  const t = useT(onsiteMessages);
  const { locale } = useLocale();
  // The demo storefront speaks the dashboard's language too.
  const [page, setPage] = useState(() => `${window.location.origin}/demo/shop${locale === 'en' ? '' : `?lang=${locale}`}`);
  const [shownPage, setShownPage] = useState(page);
  const [variant, setVariant] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const chosen = variant !== undefined && variants.includes(variant) ? variant : variants[0];
  const preview = useQuery({
    queryKey: ['onsite', 'preview', campaign?.id, shownPage, chosen, nonce],
    queryFn: () =>
      api.get<{ url: string }>('/api/v1/onsite/campaigns/{id}/preview', { params: { id: campaign?.id ?? '' }, query: { page: shownPage, ...(chosen === undefined ? {} : { variant: chosen }) } }),
    enabled: campaign !== undefined,
    staleTime: 0,
  });
  const pageError = preview.error instanceof ApiError ? preview.error.fieldMessage('query.page') : undefined;
  const validPage = /^https?:\/\/\S+$/.test(page);
  return (
    <Card title={t('preview')} className="onsite-preview">
      <p className="muted small">{t('previewHint')}</p>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          setShownPage(page);
          setBusy(true);
          void onRefresh().finally(() => setBusy(false));
        }}
      >
        <Field label={t('previewPage')} error={!validPage ? t('issue.required') : pageError}>
          {(props) => <input {...props} type="url" dir="ltr" value={page} maxLength={2000} onChange={(event) => setPage(event.target.value)} />}
        </Field>
        {variants.length > 1 ? (
          <Field label={t('previewVariant')}>
            {(props) => (
              <select {...props} value={chosen} onChange={(event) => setVariant(event.target.value)}>
                {variants.map((key) => (
                  <option key={key} value={key}>
                    {key}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {campaign === undefined ? null : (
          <Button type="submit" busy={busy} disabled={!validPage}>
            {dirty && editable ? t('refreshPreview') : t('showPreview')}
          </Button>
        )}
      </form>
      {campaign === undefined ? <p className="notice info">{t('previewSaveFirst')}</p> : null}
      {campaign !== undefined && dirty ? <p className="muted small">{t('previewSaved')}</p> : null}
      {pageError === undefined ? <ErrorNotice error={preview.error} /> : null}
      {campaign !== undefined && preview.isPending ? <Loading /> : null}
      {preview.data === undefined ? null : (
        <>
          <iframe key={`${preview.data.url}#${nonce}`} className="onsite-frame" src={preview.data.url} title={t('previewFrame', { page: shownPage })} data-testid="onsite-preview-frame" />
          <a href={preview.data.url} target="_blank" rel="noreferrer" className="small">
            {t('openPreview')}
          </a>
        </>
      )}
    </Card>
  );
}
