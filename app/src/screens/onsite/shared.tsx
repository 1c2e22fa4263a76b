import type { ReactNode } from 'react';
import { useFormat, useT, type Format } from '../../i18n/i18n';
import { Badge } from '../../ui/ui';
import { onsiteMessages } from './messages';
import type { CampaignStatus, Uplift, WidgetType } from './model';

/*
 * Pieces the on-site list, editor and report share: the status badge, the type name and the
 * uplift with its interval in words.
 */

export function StatusBadge({ status }: { status: CampaignStatus }) {
  const t = useT(onsiteMessages);
  const tone = status === 'live' ? 'good' : status === 'scheduled' ? 'info' : status === 'paused' ? 'warn' : 'neutral';
  return <Badge tone={tone}>{t(`status.${status}`)}</Badge>;
}

export function useTypeName(): (type: WidgetType) => string {
  const t = useT(onsiteMessages);
  return (type) => t(`type.${type}`);
}

const signed = (format: Format, ratio: number) => `${ratio > 0 ? '+' : ''}${format.percent(ratio, 1)}`;

/** The relative uplift with its confidence interval, or why it cannot be measured yet (the API's reason). */
export function UpliftText({ uplift }: { uplift: Uplift }): ReactNode {
  const t = useT(onsiteMessages);
  const format = useFormat();
  if (!uplift.ok)
    return (
      <span className="muted" title={uplift.message}>
        {t('notEnough')}
      </span>
    );
  const tone = uplift.ci[0] > 0 ? 'onsite-good' : uplift.ci[1] < 0 ? 'onsite-bad' : '';
  return (
    <span className={tone}>
      {t('ciText', { estimate: signed(format, uplift.estimate), low: signed(format, uplift.ci[0]), high: signed(format, uplift.ci[1]), confidence: format.percent(uplift.confidence, 0) })}
    </span>
  );
}
