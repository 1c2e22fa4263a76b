import { useId, useState, type ReactNode } from 'react';
import { useT } from '../../i18n/i18n';
import { Button, Card, Field } from '../../ui/ui';
import type { FieldError } from './editor';
import { onsiteMessages } from './messages';
import {
  CAPTURE_TYPES,
  CHANNELS,
  CONTENT_FIELDS,
  COUPON_TYPES,
  DEFAULT_RULES,
  DEFAULT_TRIGGERS,
  DEVICES,
  POSITIONS,
  RULE_TYPES,
  SOURCES,
  STRATEGIES,
  TIERS,
  TRIGGER_TYPES,
  URL_MATCHES,
  type CampaignInput,
  type Caps,
  type Content,
  type ContentKey,
  type Question,
  type Rule,
  type RuleType,
  type Trigger,
  type TriggerType,
} from './model';

/*
 * The editor's sections, one card each: content per variant and language, targeting rules,
 * triggers, caps, variants with the holdout, conversion and schedule. Each is a form over one
 * part of the campaign; errors come by field path (`audience[0].value`) from the editor.
 */

interface SectionProps {
  input: CampaignInput;
  onChange: (next: CampaignInput) => void;
  fieldError: FieldError;
}

const num = (value: string): number | undefined => (value.trim() === '' ? undefined : Number(value));
const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** An ISO time as the value of a datetime-local input (the browser's own time zone). */
export function toLocalInput(iso: string | undefined): string {
  if (iso === undefined) return '';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function fromLocalInput(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function Check({ label, checked, onChange }: { label: ReactNode; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="onsite-check">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      {label}
    </label>
  );
}

/** A group of checkboxes for a set of values (devices, sources, tiers), with its error. */
function CheckGroup<V extends string>({
  legend,
  values,
  chosen,
  label,
  onChange,
  error,
}: {
  legend: string;
  values: readonly V[];
  chosen: readonly V[];
  label: (value: V) => string;
  onChange: (next: V[]) => void;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <fieldset className="onsite-group" aria-describedby={error === undefined ? undefined : `${id}-error`}>
      <legend>{legend}</legend>
      <div className="onsite-checks">
        {values.map((value) => (
          <Check key={value} label={label(value)} checked={chosen.includes(value)} onChange={(on) => onChange(on ? [...chosen, value] : chosen.filter((entry) => entry !== value))} />
        ))}
      </div>
      {error === undefined ? null : (
        <div id={`${id}-error`} className="error-text" role="alert">
          {error}
        </div>
      )}
    </fieldset>
  );
}

function RowHead({ title, onRemove, removeLabel }: { title: string; onRemove: () => void; removeLabel: string }) {
  return (
    <div className="onsite-row-head">
      <strong>{title}</strong>
      <Button variant="ghost" onClick={onRemove} aria-label={`${removeLabel}: ${title}`}>
        {removeLabel}
      </Button>
    </div>
  );
}

/** "Add …": a select of kinds and a button, so the kind is chosen before it is added. */
function Adder<K extends string>({ label, kinds, name, onAdd }: { label: string; kinds: readonly K[]; name: (kind: K) => string; onAdd: (kind: K) => void }) {
  const t = useT(onsiteMessages);
  const [kind, setKind] = useState<K | ''>('');
  const id = useId();
  return (
    <div className="toolbar onsite-adder">
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <select id={id} value={kind} onChange={(event) => setKind(kinds.find((entry) => entry === event.target.value) ?? '')}>
        <option value="">{t('choose')}</option>
        {kinds.map((entry) => (
          <option key={entry} value={entry}>
            {name(entry)}
          </option>
        ))}
      </select>
      <Button
        disabled={kind === ''}
        onClick={() => {
          if (kind !== '') onAdd(kind);
          setKind('');
        }}
      >
        {label}
      </Button>
    </div>
  );
}

const EXTRA_LOCALES = ['en', 'ar', 'ja', 'fr', 'de', 'es', 'it', 'nl', 'pt-BR'];

export function ContentEditor({ input, onChange, fieldError, pools }: SectionProps & { pools: { id: string; name: string }[] }) {
  const t = useT(onsiteMessages);
  const [variantIndex, setVariantIndex] = useState(0);
  const v = Math.min(variantIndex, input.variants.length - 1);
  const variant = input.variants[v];
  const locales = variant === undefined ? [] : Object.keys(variant.content);
  const [chosenLocale, setLocale] = useState(input.defaultLocale);
  const locale = locales.includes(chosenLocale) ? chosenLocale : input.defaultLocale;
  if (variant === undefined) return null;
  const content: Content = variant.content[locale] ?? {};
  const at = `variants[${v}].content.${locale}`;
  const setContent = (next: Content) => onChange({ ...input, variants: input.variants.map((entry, index) => (index === v ? { ...entry, content: { ...entry.content, [locale]: next } } : entry)) });
  const setField = (key: ContentKey, value: string | number | undefined) => setContent({ ...content, [key]: value });
  const positions = POSITIONS[input.type];

  const fieldInput = (key: ContentKey) => {
    const label = t(`field.${key}`);
    const error = fieldError(`${at}.${key}`);
    if (key === 'body' || key === 'progressText')
      return (
        <Field key={key} label={label} error={error}>
          {(props) => <textarea {...props} rows={3} maxLength={2000} value={content[key] ?? ''} onChange={(event) => setField(key, event.target.value)} />}
        </Field>
      );
    if (key === 'position')
      return (
        <Field key={key} label={label} error={error}>
          {(props) => (
            <select {...props} value={content.position ?? ''} onChange={(event) => setField('position', event.target.value === '' ? undefined : event.target.value)}>
              <option value="">{t('none')}</option>
              {(positions ?? (['top', 'bottom', 'left', 'right', 'center'] as const)).map((position) => (
                <option key={position} value={position}>
                  {t(`position.${position}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      );
    if (key === 'strategy')
      return (
        <Field key={key} label={label} error={error}>
          {(props) => (
            <select {...props} value={content.strategy ?? ''} onChange={(event) => setField('strategy', event.target.value)}>
              {STRATEGIES.map((strategy) => (
                <option key={strategy} value={strategy}>
                  {strategy}
                </option>
              ))}
            </select>
          )}
        </Field>
      );
    if (key === 'threshold' || key === 'count')
      return (
        <Field key={key} label={label} error={error}>
          {(props) => (
            <input {...props} type="number" min={1} max={key === 'count' ? 24 : undefined} step={1} value={content[key] ?? ''} onChange={(event) => setField(key, num(event.target.value))} />
          )}
        </Field>
      );
    if (key === 'endsAt')
      return (
        <Field key={key} label={label} error={error}>
          {(props) => <input {...props} type="datetime-local" value={toLocalInput(content.endsAt)} onChange={(event) => setField('endsAt', fromLocalInput(event.target.value))} />}
        </Field>
      );
    return (
      <Field key={key} label={label} error={error}>
        {(props) => (
          <input
            {...props}
            type={key === 'ctaUrl' || key === 'imageUrl' ? 'url' : 'text'}
            dir={key === 'ctaUrl' || key === 'imageUrl' || key === 'currency' ? 'ltr' : undefined}
            maxLength={key === 'currency' ? 3 : 300}
            value={content[key] ?? ''}
            onChange={(event) => setField(key, key === 'currency' ? event.target.value.toUpperCase() : event.target.value)}
          />
        )}
      </Field>
    );
  };

  return (
    <Card title={t('content')}>
      <p className="muted small">{t('contentHint')}</p>
      {input.variants.length > 1 ? (
        <div className="tabs" role="tablist" aria-label={t('variants')}>
          {input.variants.map((entry, index) => (
            <button key={`${entry.key}-${index}`} type="button" role="tab" aria-selected={index === v} onClick={() => setVariantIndex(index)}>
              {t('variant', { key: entry.key })}
            </button>
          ))}
        </div>
      ) : null}
      <div className="tabs" role="tablist" aria-label={t('language')}>
        {locales.map((entry) => (
          <button key={entry} type="button" role="tab" lang={entry} aria-selected={entry === locale} onClick={() => setLocale(entry)}>
            {entry}
            {entry === input.defaultLocale ? ' ★' : ''}
          </button>
        ))}
      </div>
      <div className="form onsite-content">
        <div className="toolbar">
          <Field label={t('defaultLocale')} error={fieldError('defaultLocale')}>
            {(props) => (
              <select {...props} value={input.defaultLocale} onChange={(event) => onChange({ ...input, defaultLocale: event.target.value })}>
                {locales.map((entry) => (
                  <option key={entry} value={entry}>
                    {entry}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Adder
            label={t('addLanguage')}
            kinds={EXTRA_LOCALES.filter((entry) => !locales.includes(entry))}
            name={(entry) => entry}
            onAdd={(entry) => {
              // A new language starts as a copy of the default one, to translate in place.
              onChange({ ...input, variants: input.variants.map((item) => ({ ...item, content: { ...item.content, [entry]: { ...(item.content[input.defaultLocale] ?? {}) } } })) });
              setLocale(entry);
            }}
          />
          {locale === input.defaultLocale ? null : (
            <Button
              variant="ghost"
              onClick={() => {
                onChange({ ...input, variants: input.variants.map((item) => ({ ...item, content: Object.fromEntries(Object.entries(item.content).filter(([key]) => key !== locale)) })) });
                setLocale(input.defaultLocale);
              }}
            >
              {t('removeLanguage', { language: locale })}
            </Button>
          )}
        </div>
        {fieldError(`variants[${v}].content`) === undefined ? null : <p className="error-text">{fieldError(`variants[${v}].content`)}</p>}
        <div className="onsite-grid2" lang={locale} dir={locale === 'ar' ? 'rtl' : undefined}>
          {CONTENT_FIELDS[input.type].map(fieldInput)}
        </div>
        {COUPON_TYPES.has(input.type) ? <CouponFields content={content} onChange={setContent} pools={pools} at={at} fieldError={fieldError} /> : null}
        {CAPTURE_TYPES.has(input.type) ? <CaptureFields content={content} onChange={setContent} at={at} fieldError={fieldError} /> : null}
        {input.type === 'survey' ? <QuestionFields content={content} onChange={setContent} at={at} fieldError={fieldError} /> : null}
      </div>
    </Card>
  );
}

interface ContentPartProps {
  content: Content;
  onChange: (next: Content) => void;
  at: string;
  fieldError: FieldError;
}

function CouponFields({ content, onChange, pools, at, fieldError }: ContentPartProps & { pools: { id: string; name: string }[] }) {
  const t = useT(onsiteMessages);
  const coupon = content.coupon;
  return (
    <fieldset className="onsite-group">
      <legend>{t('coupon')}</legend>
      <div className="onsite-grid2">
        <Field label={t('couponPool')} error={fieldError(`${at}.coupon.pool`) ?? fieldError(`${at}.coupon`)}>
          {(props) => (
            <select
              {...props}
              value={coupon?.pool ?? ''}
              onChange={(event) => {
                const { coupon: _old, ...rest } = content;
                onChange(event.target.value === '' ? rest : { ...rest, coupon: { ...(coupon ?? {}), pool: event.target.value } });
              }}
            >
              <option value="">{t('noCoupon')}</option>
              {coupon !== undefined && !pools.some((pool) => pool.id === coupon.pool) ? <option value={coupon.pool}>{coupon.pool}</option> : null}
              {pools.map((pool) => (
                <option key={pool.id} value={pool.id}>
                  {pool.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        {coupon === undefined ? null : (
          <Field label={t('withhold')} error={fieldError(`${at}.coupon.withholdAbovePropensity`)}>
            {(props) => (
              <input
                {...props}
                type="number"
                min={0}
                max={1}
                step={0.05}
                value={coupon.withholdAbovePropensity ?? ''}
                onChange={(event) => {
                  const value = num(event.target.value);
                  const { withholdAbovePropensity: _old, ...rest } = coupon;
                  onChange({ ...content, coupon: value === undefined ? rest : { ...rest, withholdAbovePropensity: value } });
                }}
              />
            )}
          </Field>
        )}
      </div>
      {coupon === undefined ? null : <Check label={t('couponTiered')} checked={coupon.tiered === true} onChange={(tiered) => onChange({ ...content, coupon: { ...coupon, tiered } })} />}
    </fieldset>
  );
}

function CaptureFields({ content, onChange, at, fieldError }: ContentPartProps) {
  const t = useT(onsiteMessages);
  const capture = content.capture;
  const set = (next: Partial<NonNullable<Content['capture']>>) => capture !== undefined && onChange({ ...content, capture: { ...capture, ...next } });
  return (
    <fieldset className="onsite-group">
      <legend>{t('capture')}</legend>
      <Check
        label={t('capture')}
        checked={capture !== undefined}
        onChange={(on) => {
          const { capture: _old, ...rest } = content;
          onChange(on ? { ...rest, capture: { fields: ['email'], consentText: '', successHeadline: '' } } : rest);
        }}
      />
      {capture === undefined ? null : (
        <>
          <CheckGroup
            legend={t('capture')}
            values={['email', 'phone'] as const}
            chosen={capture.fields}
            label={(field) => t(field === 'email' ? 'captureEmail' : 'capturePhone')}
            onChange={(fields) => set({ fields })}
            error={fieldError(`${at}.capture.fields`)}
          />
          <div className="onsite-grid2">
            <Field label={t('consentText')} error={fieldError(`${at}.capture.consentText`)}>
              {(props) => <textarea {...props} rows={2} maxLength={1000} value={capture.consentText} onChange={(event) => set({ consentText: event.target.value })} />}
            </Field>
            <Field label={t('successHeadline')} error={fieldError(`${at}.capture.successHeadline`)}>
              {(props) => <input {...props} maxLength={300} value={capture.successHeadline} onChange={(event) => set({ successHeadline: event.target.value })} />}
            </Field>
            <Field label={t('successBody')} error={fieldError(`${at}.capture.successBody`)}>
              {(props) => (
                <textarea
                  {...props}
                  rows={2}
                  maxLength={2000}
                  value={capture.successBody ?? ''}
                  onChange={(event) => set({ successBody: event.target.value === '' ? undefined : event.target.value })}
                />
              )}
            </Field>
          </div>
        </>
      )}
    </fieldset>
  );
}

function QuestionFields({ content, onChange, at, fieldError }: ContentPartProps) {
  const t = useT(onsiteMessages);
  const questions = content.questions ?? [];
  const setQuestion = (index: number, next: Question | undefined) => {
    const updated = next === undefined ? questions.filter((_, i) => i !== index) : questions.map((entry, i) => (i === index ? next : entry));
    onChange({ ...content, questions: updated });
  };
  return (
    <fieldset className="onsite-group">
      <legend>{t('questions')}</legend>
      {fieldError(`${at}.questions`) === undefined ? null : <p className="error-text">{fieldError(`${at}.questions`)}</p>}
      {questions.map((question, index) => (
        <div key={index} className="onsite-row">
          <RowHead title={`${index + 1}. ${question.text || t('questionText')}`} removeLabel={t('remove')} onRemove={() => setQuestion(index, undefined)} />
          <div className="onsite-grid2">
            <Field label={t('questionText')} error={fieldError(`${at}.questions[${index}].text`)}>
              {(props) => <input {...props} maxLength={500} value={question.text} onChange={(event) => setQuestion(index, { ...question, text: event.target.value })} />}
            </Field>
            <Field label={t('questionKind')}>
              {(props) => (
                <select {...props} value={question.kind} onChange={(event) => setQuestion(index, { ...question, kind: event.target.value as Question['kind'] })}>
                  {(['nps', 'single', 'multi', 'text'] as const).map((kind) => (
                    <option key={kind} value={kind}>
                      {t(`kind.${kind}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('questionId')} error={fieldError(`${at}.questions[${index}].id`)}>
              {(props) => <input {...props} dir="ltr" pattern="[a-z0-9_]{1,40}" value={question.id} onChange={(event) => setQuestion(index, { ...question, id: event.target.value })} />}
            </Field>
            {question.kind === 'single' || question.kind === 'multi' ? (
              <Field label={t('questionOptions')} error={fieldError(`${at}.questions[${index}].options`)}>
                {(props) => (
                  <textarea
                    {...props}
                    rows={3}
                    value={(question.options ?? []).join('\n')}
                    onChange={(event) => setQuestion(index, { ...question, options: event.target.value.split('\n').filter((line, i, all) => line !== '' || i === all.length - 1) })}
                  />
                )}
              </Field>
            ) : null}
          </div>
        </div>
      ))}
      <Button onClick={() => onChange({ ...content, questions: [...questions, { id: `q${questions.length + 1}`, kind: 'text', text: '' }] })} disabled={questions.length >= 10}>
        {t('addQuestion')}
      </Button>
    </fieldset>
  );
}

export function RulesEditor({ input, onChange, fieldError, segments }: SectionProps & { segments: { id: string; name: string }[] }) {
  const t = useT(onsiteMessages);
  const setRule = (index: number, rule: Rule | undefined) =>
    onChange({ ...input, audience: rule === undefined ? input.audience.filter((_, i) => i !== index) : input.audience.map((entry, i) => (i === index ? rule : entry)) });
  return (
    <Card title={t('targeting')}>
      <p className="muted small">{t('targetingHint')}</p>
      <div className="onsite-stack">
        {input.audience.map((rule, index) => (
          <div key={index} className="onsite-row" data-rule={rule.type}>
            <RowHead title={t(`rule.${rule.type}`)} removeLabel={t('remove')} onRemove={() => setRule(index, undefined)} />
            <RuleFields rule={rule} at={`audience[${index}]`} fieldError={fieldError} segments={segments} onChange={(next) => setRule(index, next)} />
          </div>
        ))}
        <Adder<RuleType>
          label={t('addRule')}
          kinds={RULE_TYPES}
          name={(kind) => t(`rule.${kind}`)}
          onAdd={(kind) => onChange({ ...input, audience: [...input.audience, { ...DEFAULT_RULES[kind] }] })}
        />
      </div>
    </Card>
  );
}

function RuleFields({ rule, at, fieldError, segments, onChange }: { rule: Rule; at: string; fieldError: FieldError; segments: { id: string; name: string }[]; onChange: (rule: Rule) => void }) {
  const t = useT(onsiteMessages);
  const error = (field: string) => fieldError(`${at}.${field}`) ?? undefined;
  switch (rule.type) {
    case 'url':
      return (
        <div className="onsite-grid2">
          <Field label={t('match')}>
            {(props) => (
              <select {...props} value={rule.match} onChange={(event) => onChange({ ...rule, match: event.target.value as (typeof URL_MATCHES)[number] })}>
                {URL_MATCHES.map((match) => (
                  <option key={match} value={match}>
                    {t(`match.${match}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('value')} error={error('value')}>
            {(props) => <input {...props} dir="ltr" maxLength={500} value={rule.value} onChange={(event) => onChange({ ...rule, value: event.target.value })} />}
          </Field>
          <Check label={t('negate')} checked={rule.negate === true} onChange={(negate) => onChange({ ...rule, negate })} />
        </div>
      );
    case 'device':
      return (
        <CheckGroup
          legend={t('rule.device')}
          values={DEVICES}
          chosen={rule.devices}
          label={(value) => t(`device.${value}`)}
          onChange={(devices) => onChange({ ...rule, devices })}
          error={error('devices')}
        />
      );
    case 'traffic_source':
      return (
        <>
          <CheckGroup
            legend={t('rule.traffic_source')}
            values={SOURCES}
            chosen={rule.sources}
            label={(value) => t(`source.${value}`)}
            onChange={(sources) => onChange({ ...rule, sources })}
            error={error('sources')}
          />
          <Field label={t('utmCampaign')} error={error('utm.campaign')}>
            {(props) => (
              <input
                {...props}
                dir="ltr"
                value={rule.utm?.campaign ?? ''}
                onChange={(event) => {
                  const { utm: _utm, ...rest } = rule;
                  onChange(event.target.value === '' ? rest : { ...rest, utm: { ...rule.utm, campaign: event.target.value } });
                }}
              />
            )}
          </Field>
        </>
      );
    case 'visitor':
      return (
        <Field label={t('rule.visitor')}>
          {(props) => (
            <select {...props} value={rule.kind} onChange={(event) => onChange({ ...rule, kind: event.target.value === 'returning' ? 'returning' : 'new' })}>
              <option value="new">{t('visitor.new')}</option>
              <option value="returning">{t('visitor.returning')}</option>
            </select>
          )}
        </Field>
      );
    case 'visits':
    case 'pages_this_session':
      return (
        <div className="onsite-grid3">
          <Field label={t('min')} error={error('min')}>
            {(props) => <input {...props} type="number" min={0} step={1} value={rule.min ?? ''} onChange={(event) => onChange({ ...rule, min: num(event.target.value) })} />}
          </Field>
          <Field label={t('max')} error={error('max')}>
            {(props) => <input {...props} type="number" min={0} step={1} value={rule.max ?? ''} onChange={(event) => onChange({ ...rule, max: num(event.target.value) })} />}
          </Field>
          {rule.type === 'visits' ? (
            <Field label={t('days')} error={error('days')}>
              {(props) => <input {...props} type="number" min={1} max={365} step={1} value={rule.days} onChange={(event) => onChange({ ...rule, days: Number(event.target.value) })} />}
            </Field>
          ) : null}
        </div>
      );
    case 'cart':
      return (
        <div className="onsite-grid3">
          <Field label={t('cartMinItems')} error={error('minItems')}>
            {(props) => <input {...props} type="number" min={0} step={1} value={rule.minItems ?? ''} onChange={(event) => onChange({ ...rule, minItems: num(event.target.value) })} />}
          </Field>
          <Field label={t('cartMinValue')} error={error('minValue')}>
            {(props) => <input {...props} type="number" min={0} step={1} value={rule.minValue ?? ''} onChange={(event) => onChange({ ...rule, minValue: num(event.target.value) })} />}
          </Field>
          <Field label={t('cartMaxValue')} error={error('maxValue')}>
            {(props) => <input {...props} type="number" min={0} step={1} value={rule.maxValue ?? ''} onChange={(event) => onChange({ ...rule, maxValue: num(event.target.value) })} />}
          </Field>
        </div>
      );
    case 'segment': {
      const picker = (which: 'allow' | 'deny') => (
        <Field label={t(which)} error={error(which)}>
          {(props) => (
            <select
              {...props}
              multiple
              size={Math.min(6, Math.max(3, segments.length))}
              value={rule[which] ?? []}
              onChange={(event) => onChange({ ...rule, [which]: [...event.target.selectedOptions].map((option) => option.value) })}
            >
              {segments.map((segment) => (
                <option key={segment.id} value={segment.id}>
                  {segment.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      );
      return (
        <div className="onsite-grid2">
          {picker('allow')}
          {picker('deny')}
        </div>
      );
    }
    case 'identified':
      return (
        <Field label={t('rule.identified')}>
          {(props) => (
            <select {...props} value={String(rule.value)} onChange={(event) => onChange({ ...rule, value: event.target.value === 'true' })}>
              <option value="true">{t('identifiedYes')}</option>
              <option value="false">{t('identifiedNo')}</option>
            </select>
          )}
        </Field>
      );
    case 'score_tier':
      return (
        <div className="onsite-grid2">
          <Field label={t('score')}>
            {(props) => (
              <select {...props} value={rule.score} onChange={(event) => onChange({ ...rule, score: event.target.value === 'churn' ? 'churn' : 'clv' })}>
                <option value="clv">{t('score.clv')}</option>
                <option value="churn">{t('score.churn')}</option>
              </select>
            )}
          </Field>
          <CheckGroup
            legend={t('rule.score_tier')}
            values={TIERS}
            chosen={rule.tiers}
            label={(value) => t(`tier.${value}`)}
            onChange={(tiers) => onChange({ ...rule, tiers })}
            error={error('tiers')}
          />
        </div>
      );
    case 'subscribed':
      return (
        <div className="onsite-grid2">
          <Field label={t('channel')}>
            {(props) => (
              <select {...props} value={rule.channel} onChange={(event) => onChange({ ...rule, channel: CHANNELS.find((entry) => entry === event.target.value) ?? 'email' })}>
                {CHANNELS.map((channel) => (
                  <option key={channel} value={channel}>
                    {t(`channel.${channel}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('rule.subscribed')}>
            {(props) => (
              <select {...props} value={String(rule.value)} onChange={(event) => onChange({ ...rule, value: event.target.value === 'true' })}>
                <option value="true">{t('subscribedYes')}</option>
                <option value="false">{t('subscribedNo')}</option>
              </select>
            )}
          </Field>
        </div>
      );
    case 'country':
      return (
        <Field label={t('countries')} error={error('countries')}>
          {(props) => <input {...props} dir="ltr" value={rule.countries.join(', ')} onChange={(event) => onChange({ ...rule, countries: list(event.target.value.toUpperCase()) })} />}
        </Field>
      );
    case 'language':
      return (
        <Field label={t('languages')} error={error('languages')}>
          {(props) => <input {...props} dir="ltr" value={rule.languages.join(', ')} onChange={(event) => onChange({ ...rule, languages: list(event.target.value) })} />}
        </Field>
      );
  }
}

export function TriggersEditor({ input, onChange, fieldError }: SectionProps) {
  const t = useT(onsiteMessages);
  const setTrigger = (index: number, trigger: Trigger | undefined) =>
    onChange({ ...input, triggers: trigger === undefined ? input.triggers.filter((_, i) => i !== index) : input.triggers.map((entry, i) => (i === index ? trigger : entry)) });
  return (
    <Card title={t('triggers')}>
      <p className="muted small">{t('triggersHint')}</p>
      <div className="onsite-stack">
        {input.triggers.map((trigger, index) => {
          const at = `triggers[${index}]`;
          const seconds = (key: 'seconds' | 'delaySeconds' | 'minDwellSeconds' | 'percent', value: number | undefined, label: string, max: number) => (
            <Field label={label} error={fieldError(`${at}.${key}`)}>
              {(props) => (
                <input {...props} type="number" min={0} max={max} step={1} value={value ?? ''} onChange={(event) => setTrigger(index, { ...trigger, [key]: num(event.target.value) } as Trigger)} />
              )}
            </Field>
          );
          return (
            <div key={index} className="onsite-row" data-trigger={trigger.type}>
              <RowHead title={t(`trigger.${trigger.type}`)} removeLabel={t('remove')} onRemove={() => setTrigger(index, undefined)} />
              <div className="onsite-grid2">
                {trigger.type === 'page_load' ? seconds('delaySeconds', trigger.delaySeconds, t('delaySeconds'), 3600) : null}
                {trigger.type === 'time_on_page' || trigger.type === 'time_on_site' || trigger.type === 'inactivity' ? seconds('seconds', trigger.seconds, t('seconds'), 86_400) : null}
                {trigger.type === 'scroll_depth' ? seconds('percent', trigger.percent, t('percent'), 100) : null}
                {trigger.type === 'exit_intent' ? (
                  <>
                    {seconds('minDwellSeconds', trigger.minDwellSeconds, t('minDwell'), 3600)}
                    <Check label={t('exitMobile')} checked={trigger.mobile} onChange={(mobile) => setTrigger(index, { ...trigger, mobile })} />
                  </>
                ) : null}
                {trigger.type === 'custom_event' ? (
                  <Field label={t('eventName')} error={fieldError(`${at}.event`)}>
                    {(props) => <input {...props} dir="ltr" maxLength={200} value={trigger.event} onChange={(event) => setTrigger(index, { ...trigger, event: event.target.value })} />}
                  </Field>
                ) : null}
              </div>
            </div>
          );
        })}
        <Adder<TriggerType>
          label={t('addTrigger')}
          kinds={TRIGGER_TYPES}
          name={(kind) => t(`trigger.${kind}`)}
          onAdd={(kind) => onChange({ ...input, triggers: [...input.triggers, { ...DEFAULT_TRIGGERS[kind] }] })}
        />
      </div>
    </Card>
  );
}

export function CapsEditor({ input, onChange, fieldError }: SectionProps) {
  const t = useT(onsiteMessages);
  const caps = input.caps;
  const setCaps = (next: Caps) => onChange({ ...input, caps: next });
  const kind = typeof caps.frequency === 'object' ? 'every' : caps.frequency;
  return (
    <Card title={t('caps')}>
      <div className="form">
        <div className="onsite-grid3">
          <Field label={t('frequency')} error={fieldError('caps.frequency')}>
            {(props) => (
              <select
                {...props}
                value={kind}
                onChange={(event) => {
                  const value = event.target.value;
                  setCaps({ ...caps, frequency: value === 'every' ? { everyMinutes: 1440 } : value === 'once' ? 'once' : value === 'always' ? 'always' : 'session' });
                }}
              >
                {(['once', 'session', 'always', 'every'] as const).map((entry) => (
                  <option key={entry} value={entry}>
                    {t(`frequency.${entry}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {typeof caps.frequency === 'object' ? (
            <Field label={t('everyMinutes')} error={fieldError('caps.frequency.everyMinutes')}>
              {(props) => (
                <input
                  {...props}
                  type="number"
                  min={1}
                  max={525_600}
                  step={1}
                  value={caps.frequency === 'once' ? '' : typeof caps.frequency === 'object' ? caps.frequency.everyMinutes : ''}
                  onChange={(event) => setCaps({ ...caps, frequency: { everyMinutes: Number(event.target.value) } })}
                />
              )}
            </Field>
          ) : null}
          <Field label={t('maxViews')} error={fieldError('caps.maxViews')}>
            {(props) => (
              <input
                {...props}
                type="number"
                min={1}
                max={1000}
                step={1}
                value={caps.maxViews ?? ''}
                onChange={(event) => {
                  const { maxViews: _old, ...rest } = caps;
                  const value = num(event.target.value);
                  setCaps(value === undefined ? rest : { ...rest, maxViews: value });
                }}
              />
            )}
          </Field>
        </div>
        <div className="onsite-checks">
          <Check label={t('stopAfterClose')} checked={caps.stopAfterClose === true} onChange={(value) => setCaps({ ...caps, stopAfterClose: value })} />
          <Check label={t('stopAfterConversion')} checked={caps.stopAfterConversion === true} onChange={(value) => setCaps({ ...caps, stopAfterConversion: value })} />
          <Check label={t('suppressAfterSignup')} checked={caps.suppressAfterSignup === true} onChange={(value) => setCaps({ ...caps, suppressAfterSignup: value })} />
        </div>
      </div>
    </Card>
  );
}

export function VariantsEditor({ input, onChange, fieldError }: SectionProps) {
  const t = useT(onsiteMessages);
  const holdoutPercent = Math.round((input.holdout ?? 0) * 1000) / 10;
  const setVariant = (index: number, next: CampaignInput['variants'][number] | undefined) =>
    onChange({ ...input, variants: next === undefined ? input.variants.filter((_, i) => i !== index) : input.variants.map((entry, i) => (i === index ? next : entry)) });
  const totalWeight = input.variants.reduce((sum, variant) => sum + (variant.weight > 0 ? variant.weight : 0), 0);
  return (
    <Card title={t('variants')}>
      <p className="muted small">{t('variantsHint')}</p>
      <div className="form">
        <Field label={t('holdout')} error={fieldError('holdout')}>
          {(props) => <input {...props} type="number" min={0} max={90} step={1} value={holdoutPercent} onChange={(event) => onChange({ ...input, holdout: Number(event.target.value) / 100 })} />}
        </Field>
        {input.variants.map((variant, index) => (
          <div key={index} className="onsite-row onsite-grid3">
            <Field label={t('variantKey')} error={fieldError(`variants[${index}].key`)}>
              {(props) => <input {...props} dir="ltr" maxLength={40} value={variant.key} onChange={(event) => setVariant(index, { ...variant, key: event.target.value })} />}
            </Field>
            <Field
              label={t('weight')}
              error={fieldError(`variants[${index}].weight`)}
              hint={totalWeight > 0 && variant.weight > 0 ? `${Math.round((variant.weight / totalWeight) * (1 - (input.holdout ?? 0)) * 100)}%` : undefined}
            >
              {(props) => (
                <input {...props} type="number" min={0} max={1000} step="any" value={variant.weight} onChange={(event) => setVariant(index, { ...variant, weight: Number(event.target.value) })} />
              )}
            </Field>
            {input.variants.length > 1 ? (
              <Button variant="ghost" onClick={() => setVariant(index, undefined)} aria-label={`${t('remove')}: ${t('variant', { key: variant.key })}`}>
                {t('remove')}
              </Button>
            ) : null}
          </div>
        ))}
        <div>
          <Button
            disabled={input.variants.length >= 10}
            onClick={() => {
              const first = input.variants[0];
              const taken = new Set(input.variants.map((entry) => entry.key));
              const key = 'bcdefghijk'.split('').find((letter) => !taken.has(letter)) ?? `v${input.variants.length + 1}`;
              onChange({ ...input, variants: [...input.variants, { key, weight: 1, content: structuredClone(first?.content ?? { [input.defaultLocale]: {} }) }] });
            }}
          >
            {t('addVariant')}
          </Button>
        </div>
        <div className="onsite-grid2">
          <Field label={t('conversion')} hint={t('conversionHint')} error={fieldError('conversion.event')}>
            {(props) => (
              <input
                {...props}
                dir="ltr"
                maxLength={200}
                placeholder="Order Completed"
                value={input.conversion?.event ?? ''}
                onChange={(event) => onChange({ ...input, conversion: { event: event.target.value, windowHours: input.conversion?.windowHours ?? 24 } })}
              />
            )}
          </Field>
          <Field label={t('conversionWindow')} error={fieldError('conversion.windowHours')}>
            {(props) => (
              <input
                {...props}
                type="number"
                min={1}
                max={2160}
                step={1}
                value={input.conversion?.windowHours ?? 24}
                onChange={(event) => onChange({ ...input, conversion: { event: input.conversion?.event ?? '', windowHours: Number(event.target.value) } })}
              />
            )}
          </Field>
        </div>
      </div>
    </Card>
  );
}

export function ScheduleEditor({ input, onChange, fieldError }: SectionProps) {
  const t = useT(onsiteMessages);
  const schedule = input.schedule ?? {};
  const set = (key: 'startAt' | 'endAt', value: string) => {
    const next = { ...schedule, [key]: fromLocalInput(value) };
    onChange({ ...input, schedule: next });
  };
  return (
    <Card title={t('schedule')}>
      <p className="muted small">{t('scheduleHint')}</p>
      <div className="onsite-grid2">
        <Field label={t('startAt')} error={fieldError('schedule.startAt')}>
          {(props) => <input {...props} type="datetime-local" value={toLocalInput(schedule.startAt)} onChange={(event) => set('startAt', event.target.value)} />}
        </Field>
        <Field label={t('endAt')} error={fieldError('schedule.endAt')}>
          {(props) => <input {...props} type="datetime-local" value={toLocalInput(schedule.endAt)} onChange={(event) => set('endAt', event.target.value)} />}
        </Field>
      </div>
    </Card>
  );
}
