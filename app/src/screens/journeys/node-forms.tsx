import { useQuery } from '@tanstack/react-query';
import { useMemo, type ReactNode } from 'react';
import { api } from '../../api/client';
import { useT, type Translate } from '../../i18n/i18n';
import { Button, Field } from '../../ui/ui';
import { ConditionBuilder } from '../segments/builder';
import { issuesByRow, normalizeField, type Node } from '../segments/model';
import { journeyMessages, type JourneyMessageKey } from './messages';
import {
  CHANNELS,
  fieldIssue,
  newTrigger,
  outlets,
  setOutlet,
  TRIGGER_TYPES,
  UNITS,
  type Condition,
  type Duration,
  type Issue,
  type JourneyDefinition,
  type JourneyNode,
  type JourneySettings,
  type Trigger,
} from './model';

/*
 * The side panel's forms: one per node type, the trigger and the journey settings. Every field
 * is a labelled control; the API's message for a field shows under it.
 */

type K = JourneyMessageKey;

interface Common {
  issues: Issue[] | undefined;
  disabled: boolean;
}

export function TextInput({
  label,
  value,
  onChange,
  issues,
  field,
  hint,
  disabled,
  placeholder,
}: Common & { label: string; value: string; onChange: (value: string) => void; field: string; hint?: ReactNode; placeholder?: string }) {
  return (
    <Field label={label} hint={hint} error={fieldIssue(issues, field)}>
      {(props) => <input {...props} type="text" value={value} placeholder={placeholder} disabled={disabled} onChange={(event) => onChange(event.target.value)} />}
    </Field>
  );
}

export function NumberInput({
  label,
  value,
  onChange,
  issues,
  field,
  hint,
  disabled,
  min,
  max,
}: Common & { label: string; value: number | undefined; onChange: (value: number | undefined) => void; field: string; hint?: ReactNode; min?: number; max?: number }) {
  return (
    <Field label={label} hint={hint} error={fieldIssue(issues, field)}>
      {(props) => (
        <input
          {...props}
          type="number"
          inputMode="decimal"
          value={value ?? ''}
          min={min}
          max={max}
          disabled={disabled}
          onChange={(event) => onChange(event.target.value === '' ? undefined : Number(event.target.value))}
        />
      )}
    </Field>
  );
}

export function Select<V extends string>({
  label,
  value,
  options,
  onChange,
  issues,
  field,
  disabled,
  hint,
}: Common & { label: string; value: V; options: { value: V; label: string }[]; onChange: (value: V) => void; field: string; hint?: ReactNode }) {
  return (
    <Field label={label} hint={hint} error={fieldIssue(issues, field)}>
      {(props) => (
        <select {...props} value={value} disabled={disabled} onChange={(event) => onChange(event.target.value as V)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function DurationInput({ label, value, onChange, field, ...common }: Common & { label: string; value: Duration; onChange: (value: Duration) => void; field: string }) {
  const t = useT(journeyMessages);
  return (
    <fieldset className="journeys-fieldset">
      <legend>{label}</legend>
      <div className="journeys-row">
        <NumberInput {...common} label={t('amount')} field={`${field}.amount`} value={value.amount} min={1} max={100000} onChange={(amount) => onChange({ ...value, amount: amount ?? 0 })} />
        <Select
          {...common}
          label={t('unit')}
          field={`${field}.unit`}
          value={value.unit}
          options={UNITS.map((unit) => ({ value: unit, label: t(`unit.${unit}`) }))}
          onChange={(unit) => onChange({ ...value, unit })}
        />
      </div>
    </fieldset>
  );
}

/** Where each outlet of a node goes: a select of the other steps. */
function Outlets({ node, nodeIds, onChange, issues, disabled }: Common & { node: JourneyNode; nodeIds: string[]; onChange: (node: JourneyNode) => void }) {
  const t = useT(journeyMessages);
  return (
    <>
      {outlets(node).map((outlet) => {
        const label = outlet.label === undefined ? t('goesTo') : 'key' in outlet.label ? `${t('goesTo')}: ${t(outlet.label.key)}` : `${t('goesTo')}: ${outlet.label.text}`;
        const options = nodeIds.includes(outlet.target) ? nodeIds : [outlet.target, ...nodeIds];
        return (
          <Select
            key={outlet.field}
            label={label}
            field={outlet.field}
            issues={issues}
            disabled={disabled}
            value={outlet.target}
            options={options.map((id) => ({ value: id, label: id === '' ? t('nothing') : id }))}
            onChange={(target) => onChange(setOutlet(node, outlet.field, target))}
          />
        );
      })}
    </>
  );
}

function KeyValues({
  label,
  addLabel,
  entries,
  onChange,
  disabled,
  keyLabel,
}: {
  label: string;
  addLabel: string;
  keyLabel: string;
  entries: [string, string][];
  onChange: (entries: [string, string][]) => void;
  disabled: boolean;
}) {
  const t = useT(journeyMessages);
  return (
    <fieldset className="journeys-fieldset">
      <legend>{label}</legend>
      {entries.map(([key, value], index) => (
        <div className="journeys-row" key={index}>
          <Field label={`${keyLabel} ${index + 1}`}>
            {(props) => <input {...props} value={key} disabled={disabled} onChange={(event) => onChange(entries.map((entry, i) => (i === index ? [event.target.value, entry[1]] : entry)))} />}
          </Field>
          <Field label={`${t('value')} ${index + 1}`}>
            {(props) => <input {...props} value={value} disabled={disabled} onChange={(event) => onChange(entries.map((entry, i) => (i === index ? [entry[0], event.target.value] : entry)))} />}
          </Field>
          <Button variant="ghost" disabled={disabled} onClick={() => onChange(entries.filter((_, i) => i !== index))}>
            {t('removeRow')}
          </Button>
        </div>
      ))}
      <Button variant="ghost" disabled={disabled} onClick={() => onChange([...entries, ['', '']])}>
        {addLabel}
      </Button>
    </fieldset>
  );
}

/** A JSON value typed as text: numbers, true/false and null are kept as such. */
function parseValue(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  return text;
}
const showValue = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * A condition node's (or split branch's) test, in the segment builder: the whole condition
 * language (nested groups, event filters, counts, windows, aggregates, scores, lifecycle), as on
 * the Segments screen. The API's issues for the node land on the row they concern.
 */
export function ConditionForm({ condition, onChange, field, issues, disabled }: Common & { condition: Condition; onChange: (condition: Condition) => void; field: string }) {
  const t = useT(journeyMessages);
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.get<{ segments: { id: string; name: string }[] }>('/api/v1/segments') });
  // The builder names rows from `condition`; a branch's issues start with `branches.N.`.
  const prefix = field.slice(0, field.length - 'condition'.length);
  const rows = useMemo(
    () =>
      issuesByRow(
        condition as Node,
        (issues ?? []).filter((issue) => normalizeField(issue.field).startsWith(field)).map((issue) => ({ field: normalizeField(issue.field).slice(prefix.length), message: issue.message })),
      ),
    [condition, issues, field, prefix],
  );
  return (
    <fieldset className="journeys-fieldset journeys-condition">
      <legend>{t('conditionKind')}</legend>
      <ConditionBuilder value={condition as Node} onChange={(next) => onChange(next as Condition)} issues={rows} segments={segments.data?.segments ?? []} readOnly={disabled} />
    </fieldset>
  );
}

const DAYS = [0, 1, 2, 3, 4, 5, 6] as const;

function Weekdays({ value, onChange, disabled }: { value: number[] | undefined; onChange: (days: number[] | undefined) => void; disabled: boolean }) {
  const t = useT(journeyMessages);
  const chosen = new Set(value ?? []);
  return (
    <fieldset className="journeys-fieldset">
      <legend>{t('days')}</legend>
      <div className="journeys-days">
        {DAYS.map((day) => (
          <label key={day} className="journeys-check">
            <input
              type="checkbox"
              checked={chosen.has(day)}
              disabled={disabled}
              onChange={(event) => {
                const next = new Set(chosen);
                if (event.target.checked) next.add(day);
                else next.delete(day);
                onChange(next.size === 0 ? undefined : [...next].sort());
              }}
            />
            {t(`day.${day}` as K)}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function optional<T extends object, F extends string, V>(object: T, field: F, value: V | undefined | ''): T {
  const copy = { ...object } as Record<string, unknown>;
  if (value === undefined || value === '') delete copy[field];
  else copy[field] = value;
  return copy as T;
}

/** The fields of one node (without its id and outlets, which the panel shows for every node). */
export function NodeFields({ node, onChange, issues, disabled }: Common & { node: JourneyNode; onChange: (node: JourneyNode) => void }) {
  const t = useT(journeyMessages);
  const common = { issues, disabled };
  switch (node.type) {
    case 'wait':
      return <DurationInput {...common} label={t('node.wait')} field="duration" value={node.duration} onChange={(duration) => onChange({ ...node, duration })} />;
    case 'wait_until':
      return (
        <>
          <TextInput {...common} label={t('date')} hint={t('dateHint')} field="date" value={node.date ?? ''} onChange={(date) => onChange(optional(node, 'date', date))} />
          <Field label={t('time')} error={fieldIssue(issues, 'time')}>
            {(props) => <input {...props} type="time" value={node.time ?? ''} disabled={disabled} onChange={(event) => onChange(optional(node, 'time', event.target.value))} />}
          </Field>
          <Weekdays value={node.days} disabled={disabled} onChange={(days) => onChange(optional(node, 'days', days))} />
        </>
      );
    case 'wait_event':
      return (
        <>
          <TextInput {...common} label={t('event')} hint={t('eventHint')} field="event" value={node.event} onChange={(event) => onChange({ ...node, event })} />
          <TextInput {...common} label={t('matchKey')} hint={t('matchKeyHint')} field="matchKey" value={node.matchKey ?? ''} onChange={(matchKey) => onChange(optional(node, 'matchKey', matchKey))} />
          <DurationInput {...common} label={t('timeoutAfter')} field="timeout" value={node.timeout} onChange={(timeout) => onChange({ ...node, timeout })} />
        </>
      );
    case 'condition':
      return <ConditionForm {...common} field="condition" condition={node.condition} onChange={(condition) => onChange({ ...node, condition })} />;
    case 'split':
      return (
        <fieldset className="journeys-fieldset">
          <legend>{t('branches')}</legend>
          {node.branches.map((branch, index) => (
            <fieldset className="journeys-fieldset" key={index}>
              <legend>{t('branch', { n: index + 1 })}</legend>
              <TextInput
                {...common}
                label={t('branchName')}
                field={`branches.${index}.name`}
                value={branch.name}
                onChange={(name) => onChange({ ...node, branches: node.branches.map((b, i) => (i === index ? { ...b, name } : b)) })}
              />
              <ConditionForm
                {...common}
                field={`branches.${index}.condition`}
                condition={branch.condition}
                onChange={(condition) => onChange({ ...node, branches: node.branches.map((b, i) => (i === index ? { ...b, condition } : b)) })}
              />
              <Button variant="ghost" disabled={disabled || node.branches.length < 2} onClick={() => onChange({ ...node, branches: node.branches.filter((_, i) => i !== index) })}>
                {t('removeRow')}
              </Button>
            </fieldset>
          ))}
          <Button
            variant="ghost"
            disabled={disabled}
            onClick={() =>
              onChange({ ...node, branches: [...node.branches, { name: `Branch ${node.branches.length + 1}`, condition: { type: 'trait', key: 'vip', op: 'is_true' }, next: node.otherwise }] })
            }
          >
            {t('addBranch')}
          </Button>
        </fieldset>
      );
    case 'ab':
      return (
        <fieldset className="journeys-fieldset">
          <legend>{t('arms')}</legend>
          {node.arms.map((arm, index) => (
            <div className="journeys-row" key={index}>
              <TextInput
                {...common}
                label={`${t('arm', { n: index + 1 })}: ${t('branchName')}`}
                field={`arms.${index}.name`}
                value={arm.name}
                onChange={(name) => onChange({ ...node, arms: node.arms.map((a, i) => (i === index ? { ...a, name } : a)) })}
              />
              <NumberInput
                {...common}
                label={`${t('arm', { n: index + 1 })}: ${t('weight')}`}
                field={`arms.${index}.weight`}
                min={0}
                value={arm.weight}
                onChange={(weight) => onChange({ ...node, arms: node.arms.map((a, i) => (i === index ? { ...a, weight: weight ?? 0 } : a)) })}
              />
              <Button variant="ghost" disabled={disabled || node.arms.length < 2} onClick={() => onChange({ ...node, arms: node.arms.filter((_, i) => i !== index) })}>
                {t('removeRow')}
              </Button>
            </div>
          ))}
          <Button
            variant="ghost"
            disabled={disabled}
            onClick={() => onChange({ ...node, arms: [...node.arms, { name: String.fromCharCode(65 + node.arms.length), weight: 50, next: node.arms[0]?.next ?? '' }] })}
          >
            {t('addArm')}
          </Button>
          <NumberInput {...common} label={t('holdout')} hint={t('holdoutHint')} field="holdout" min={0} value={node.holdout} onChange={(holdout) => onChange(optional(node, 'holdout', holdout))} />
        </fieldset>
      );
    case 'send':
      return (
        <>
          <Select
            {...common}
            label={t('channel')}
            field="channel"
            value={node.channel}
            options={CHANNELS.map((channel) => ({ value: channel, label: t(`channel.${channel}`) }))}
            onChange={(channel) => onChange({ ...node, channel })}
          />
          <TextInput {...common} label={t('template')} hint={t('templateHint')} field="templateId" value={node.templateId} onChange={(templateId) => onChange({ ...node, templateId })} />
          {node.templateId === '' ? null : (
            <p>
              <a href={`/messages/templates/${encodeURIComponent(node.templateId)}`} className="journeys-template-link">
                {t('openTemplate', { id: node.templateId })}
              </a>
            </p>
          )}
          <TextInput
            {...common}
            label={t('couponPool')}
            hint={t('couponHint')}
            field="coupon"
            value={node.coupon?.poolId ?? ''}
            onChange={(poolId) => onChange(optional(node, 'coupon', poolId === '' ? undefined : { poolId }))}
          />
          <Select
            {...common}
            label={t('purpose')}
            field="purpose"
            value={node.purpose ?? 'marketing'}
            options={(['marketing', 'transactional'] as const).map((value) => ({ value, label: t(`purpose.${value}`) }))}
            onChange={(purpose) => onChange({ ...node, purpose })}
          />
        </>
      );
    case 'update_profile':
      return (
        <KeyValues
          label={t('traits')}
          addLabel={t('addTrait')}
          keyLabel={t('trait')}
          disabled={disabled}
          entries={Object.entries(node.traits).map(([key, value]) => [key, showValue(value)])}
          onChange={(entries) => onChange({ ...node, traits: Object.fromEntries(entries.map(([key, value]) => [key, parseValue(value)])) })}
        />
      );
    case 'webhook':
      return (
        <>
          <TextInput {...common} label={t('url')} field="url" value={node.url} onChange={(url) => onChange({ ...node, url })} />
          <KeyValues
            label={t('headers')}
            addLabel={t('addHeader')}
            keyLabel={t('header')}
            disabled={disabled}
            entries={Object.entries(node.headers ?? {})}
            onChange={(entries) => onChange(optional(node, 'headers', entries.length === 0 ? undefined : Object.fromEntries(entries)))}
          />
        </>
      );
    case 'onsite':
      return (
        <>
          <TextInput {...common} label={t('campaign')} field="campaignId" value={node.campaignId} onChange={(campaignId) => onChange({ ...node, campaignId })} />
          <NumberInput
            {...common}
            label={t('expiresAfterDays')}
            field="expiresAfterDays"
            min={1}
            max={90}
            value={node.expiresAfterDays}
            onChange={(days) => onChange(optional(node, 'expiresAfterDays', days))}
          />
        </>
      );
    case 'list':
      return (
        <>
          <Select
            {...common}
            label={t('action')}
            field="action"
            value={node.action}
            options={(['add', 'remove'] as const).map((value) => ({ value, label: t(`action.${value}`) }))}
            onChange={(action) => onChange({ ...node, action })}
          />
          <TextInput {...common} label={t('listId')} field="listId" value={node.listId} onChange={(listId) => onChange({ ...node, listId })} />
        </>
      );
    case 'exit':
      return <p className="muted">{t('exitText')}</p>;
  }
}

export function NodeOutlets(props: Common & { node: JourneyNode; nodeIds: string[]; onChange: (node: JourneyNode) => void }) {
  return <Outlets {...props} />;
}

/** The trigger's fields, by type. */
export function TriggerFields({ trigger, onChange, issues, disabled }: Common & { trigger: Trigger; onChange: (trigger: Trigger) => void }) {
  const t = useT(journeyMessages);
  const common = { issues, disabled };
  return (
    <>
      <Select
        {...common}
        label={t('triggerType')}
        field="type"
        value={trigger.type}
        options={TRIGGER_TYPES.map((type) => ({ value: type, label: t(`trigger.${type}`) }))}
        onChange={(type) => onChange(newTrigger(type))}
      />
      {trigger.type === 'event' ? (
        <>
          <TextInput {...common} label={t('event')} hint={t('eventHint')} field="event" value={trigger.event} onChange={(event) => onChange({ ...trigger, event })} />
          <TextInput
            {...common}
            label={t('entryKey')}
            hint={t('entryKeyHint')}
            field="entryKey"
            value={trigger.entryKey ?? ''}
            onChange={(entryKey) => onChange(optional(trigger, 'entryKey', entryKey))}
          />
        </>
      ) : null}
      {trigger.type === 'segment' ? (
        <>
          <TextInput {...common} label={t('segmentId')} field="segmentId" value={trigger.segmentId} onChange={(segmentId) => onChange({ ...trigger, segmentId })} />
          <Select
            {...common}
            label={t('on')}
            field="on"
            value={trigger.on}
            options={(['entered', 'exited'] as const).map((value) => ({ value, label: t(`on.${value}`) }))}
            onChange={(on) => onChange({ ...trigger, on })}
          />
        </>
      ) : null}
      {trigger.type === 'date' ? (
        <>
          <Select
            {...common}
            label={t('source')}
            field="source"
            value={trigger.source}
            options={(['trait', 'first_seen', 'first_order'] as const).map((value) => ({ value, label: t(`source.${value}`) }))}
            onChange={(source) => onChange({ ...trigger, source })}
          />
          {trigger.source === 'trait' ? <TextInput {...common} label={t('trait')} field="trait" value={trigger.trait ?? ''} onChange={(trait) => onChange(optional(trigger, 'trait', trait))} /> : null}
          <NumberInput
            {...common}
            label={t('offsetDays')}
            field="offsetDays"
            min={-60}
            max={60}
            value={trigger.offsetDays}
            onChange={(offsetDays) => onChange(optional(trigger, 'offsetDays', offsetDays))}
          />
          <Field label={t('at')} error={fieldIssue(issues, 'at')}>
            {(props) => <input {...props} type="time" value={trigger.at ?? ''} disabled={disabled} onChange={(event) => onChange(optional(trigger, 'at', event.target.value))} />}
          </Field>
        </>
      ) : null}
      {trigger.type === 'catalog' ? (
        <>
          <Select
            {...common}
            label={t('catalogEvent')}
            field="event"
            value={trigger.event}
            options={(['Price Dropped', 'Back In Stock'] as const).map((value) => ({ value, label: t(`catalog.${value}`) }))}
            onChange={(event) => onChange({ ...trigger, event })}
          />
          <fieldset className="journeys-fieldset">
            <legend>{t('interest')}</legend>
            {(['viewed', 'carted', 'wishlisted'] as const).map((interest) => (
              <label key={interest} className="journeys-check">
                <input
                  type="checkbox"
                  disabled={disabled}
                  checked={trigger.interest.includes(interest)}
                  onChange={(event) => onChange({ ...trigger, interest: event.target.checked ? [...trigger.interest, interest] : trigger.interest.filter((item) => item !== interest) })}
                />
                {t(`interest.${interest}`)}
              </label>
            ))}
          </fieldset>
          <NumberInput
            {...common}
            label={t('withinDays')}
            field="withinDays"
            min={1}
            max={365}
            value={trigger.withinDays}
            onChange={(withinDays) => onChange(optional(trigger, 'withinDays', withinDays))}
          />
          {trigger.event === 'Price Dropped' ? (
            <NumberInput
              {...common}
              label={t('minDropPercent')}
              field="minDropPercent"
              min={0}
              max={100}
              value={trigger.minDropPercent}
              onChange={(value) => onChange(optional(trigger, 'minDropPercent', value))}
            />
          ) : null}
        </>
      ) : null}
      {trigger.type === 'schedule' ? (
        <>
          <TextInput {...common} label={t('firstRun')} field="at" value={trigger.at} onChange={(at) => onChange({ ...trigger, at })} />
          <label className="journeys-check">
            <input
              type="checkbox"
              disabled={disabled}
              checked={trigger.every === undefined}
              onChange={(event) => onChange(optional(trigger, 'every', event.target.checked ? undefined : { amount: 1, unit: 'weeks' }))}
            />
            {t('noRepeat')}
          </label>
          {trigger.every === undefined ? null : <DurationInput {...common} label={t('every')} field="every" value={trigger.every} onChange={(every) => onChange({ ...trigger, every })} />}
        </>
      ) : null}
      {trigger.type === 'api' ? <p className="muted">{t('apiHint')}</p> : null}
    </>
  );
}

/** Entry rules, goal, conversion window, priority, quiet hours. */
export function SettingsFields({ definition, onChange, issues, disabled }: Common & { definition: JourneyDefinition; onChange: (definition: JourneyDefinition) => void }) {
  const t = useT(journeyMessages);
  const settings: JourneySettings = definition.settings ?? {};
  const set = (next: JourneySettings) => onChange({ ...definition, settings: next });
  const common = { issues, disabled };
  return (
    <>
      <TextInput {...common} label={t('name')} field="name" value={definition.name} onChange={(name) => onChange({ ...definition, name })} />
      <Select
        {...common}
        label={t('entryMode')}
        field="settings.entry.mode"
        value={settings.entry?.mode ?? 'once'}
        options={(['once', 'once_per_key', 'reenter'] as const).map((value) => ({ value, label: t(`entry.${value}`) }))}
        onChange={(mode) => set({ ...settings, entry: { mode } })}
      />
      <TextInput
        {...common}
        label={t('goalEvent')}
        hint={t('goalHint')}
        field="settings.goal"
        value={settings.goal?.event ?? ''}
        onChange={(event) => set(optional(settings, 'goal', event === '' ? undefined : { ...settings.goal, event }))}
      />
      {settings.goal === undefined ? null : (
        <TextInput
          {...common}
          label={t('matchKey')}
          hint={t('matchKeyHint')}
          field="settings.goal.matchKey"
          value={settings.goal.matchKey ?? ''}
          onChange={(matchKey) => set({ ...settings, goal: optional({ event: settings.goal?.event ?? '' }, 'matchKey', matchKey) })}
        />
      )}
      <NumberInput
        {...common}
        label={t('conversionWindowDays')}
        field="settings.conversionWindowDays"
        min={1}
        max={365}
        value={settings.conversionWindowDays}
        onChange={(days) => set(optional(settings, 'conversionWindowDays', days))}
      />
      <NumberInput {...common} label={t('priority')} field="settings.priority" min={0} max={100} value={settings.priority} onChange={(priority) => set(optional(settings, 'priority', priority))} />
      <div className="journeys-row">
        <Field label={t('quietStart')} error={fieldIssue(issues, 'settings.quietHours')}>
          {(props) => (
            <input
              {...props}
              type="time"
              disabled={disabled}
              value={settings.quietHours?.start ?? ''}
              onChange={(event) => set(optional(settings, 'quietHours', event.target.value === '' ? undefined : { start: event.target.value, end: settings.quietHours?.end ?? '08:00' }))}
            />
          )}
        </Field>
        <Field label={t('quietEnd')}>
          {(props) => (
            <input
              {...props}
              type="time"
              disabled={disabled}
              value={settings.quietHours?.end ?? ''}
              onChange={(event) => set(optional(settings, 'quietHours', event.target.value === '' ? undefined : { start: settings.quietHours?.start ?? '21:00', end: event.target.value }))}
            />
          )}
        </Field>
      </div>
    </>
  );
}

export type { Translate };
