import { createContext, useContext, useId, type ReactNode } from 'react';
import { useT, type Translate } from '../../i18n/i18n';
import { Button } from '../../ui/ui';
import { builderMessages } from './builder-messages';
import './builder.css';
import { VALUE_OPS, type ValueOp } from './ops';
import {
  childPath,
  COMPARE_OPS,
  COMPUTED_KEYS,
  CONSENT_CHANNELS,
  defaultLeaf,
  DEVICES,
  ENGAGEMENT_CHANNELS,
  isGroup,
  KNOWN_EVENTS,
  LEAF_TYPES,
  LIFECYCLE_STAGES,
  scalarOf,
  SCORE_KEYS,
  TIME_UNITS,
  updateAt,
  withOp,
  type Json,
  type LeafType,
  type Node,
  type RowIssue,
} from './model';

/*
 * The visual condition builder: every node of the condition language as a form row, groups
 * (AND / OR) nested to any depth, exclusions (NOT), and the API's field errors on the row they
 * concern. Native controls only, each with its label, so the whole tree is keyboard operable.
 */

type K = keyof (typeof builderMessages)['en'];

interface BuilderState {
  root: Node;
  onChange(next: Node): void;
  issues: Map<string, RowIssue[]>;
  segments: readonly { id: string; name: string }[];
  readOnly: boolean;
  t: Translate<K>;
}

const Ctx = createContext<BuilderState | undefined>(undefined);
function useBuilder(): BuilderState {
  const state = useContext(Ctx);
  if (state === undefined) throw new Error('builder row outside ConditionBuilder');
  return state;
}

type Fields = Record<string, Json>;

function SelectInput({
  label,
  value,
  options,
  onChange,
  className,
}: {
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  onChange(value: string): void;
  className?: string;
}) {
  const id = useId();
  const { readOnly } = useBuilder();
  return (
    <span className={`segb-input ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={readOnly} onChange={(event) => onChange(event.target.value)}>
        {options.map(([key, text]) => (
          <option key={key} value={key}>
            {text}
          </option>
        ))}
      </select>
    </span>
  );
}

function TextInput({
  label,
  value,
  onChange,
  type = 'text',
  list,
  hint,
  width,
}: {
  label: string;
  value: string | number;
  onChange(value: string): void;
  type?: 'text' | 'number' | 'date';
  list?: string;
  hint?: string;
  width?: 'narrow' | 'wide';
}) {
  const id = useId();
  const { readOnly } = useBuilder();
  return (
    <span className={`segb-input ${width ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        readOnly={readOnly}
        list={list}
        title={hint}
        {...(type === 'number' ? { inputMode: 'decimal' as const } : {})}
        onChange={(event) => onChange(event.target.value)}
      />
    </span>
  );
}

function Checks({ legend, all, selected, label, onChange }: { legend: string; all: readonly string[]; selected: readonly string[]; label(key: string): string; onChange(next: string[]): void }) {
  const { readOnly } = useBuilder();
  return (
    <fieldset className="segb-checks">
      <legend>{legend}</legend>
      {all.map((key) => (
        <label key={key}>
          <input
            type="checkbox"
            disabled={readOnly}
            checked={selected.includes(key)}
            onChange={(event) => onChange(event.target.checked ? [...selected, key] : selected.filter((entry) => entry !== key))}
          />
          {label(key)}
        </label>
      ))}
    </fieldset>
  );
}

const num = (text: string): number | string => (text.trim() === '' || !Number.isFinite(Number(text)) ? text : Number(text));
const list = (text: string): string[] => text.split(',').map((entry) => entry.trim());
const str = (value: Json | undefined): string => (value === undefined || value === null ? '' : typeof value === 'object' ? '' : String(value));
const strList = (value: Json | undefined): string[] => (Array.isArray(value) ? value.map((entry) => str(entry)) : []);

/** Operator and value fields of a test on a trait, a score or an event property. */
function ValueTest({ test, onChange, ops = VALUE_OPS }: { test: Fields; onChange(next: Fields): void; ops?: readonly string[] }) {
  const { t } = useBuilder();
  const op = str(test.op) as ValueOp;
  const set = (patch: Fields) => onChange({ ...test, ...patch });
  return (
    <>
      <SelectInput label={t('operator')} value={op} options={ops.map((key) => [key, t(`op_${key}` as K)] as const)} onChange={(next) => onChange(withOp(test, next as ValueOp))} />
      {['equals', 'not_equals'].includes(op) ? <TextInput label={t('value')} value={str(test.value)} onChange={(text) => set({ value: scalarOf(text) })} /> : null}
      {['contains', 'not_contains', 'starts_with'].includes(op) ? <TextInput label={t('value')} value={str(test.value)} onChange={(text) => set({ value: text })} /> : null}
      {['gt', 'gte', 'lt', 'lte'].includes(op) ? <TextInput label={t('value')} type="number" width="narrow" value={str(test.value)} onChange={(text) => set({ value: num(text) })} /> : null}
      {op === 'in' || op === 'not_in' ? <TextInput label={t('values')} width="wide" value={strList(test.values).join(', ')} onChange={(text) => set({ values: list(text).map(scalarOf) })} /> : null}
      {op === 'between' ? (
        <>
          <TextInput label={t('min')} type="number" width="narrow" value={str(test.min)} onChange={(text) => set({ min: num(text) })} />
          <TextInput label={t('max')} type="number" width="narrow" value={str(test.max)} onChange={(text) => set({ max: num(text) })} />
        </>
      ) : null}
      {op === 'date_before' || op === 'date_after' ? <TextInput label={t('date')} type="date" value={str(test.date).slice(0, 10)} onChange={(text) => set({ date: text })} /> : null}
      {['date_within_last', 'date_within_next', 'date_older_than'].includes(op) ? <Amount value={test} onChange={set} /> : null}
      {op === 'anniversary' ? (
        <>
          <TextInput label={t('withinDays')} type="number" width="narrow" value={str(test.withinDays)} onChange={(text) => set({ withinDays: num(text) })} />
          <TextInput
            label={t('years')}
            type="number"
            width="narrow"
            value={str(test.years)}
            onChange={(text) => {
              const { years: _dropped, ...rest } = test;
              onChange(text.trim() === '' ? rest : { ...rest, years: num(text) });
            }}
          />
        </>
      ) : null}
    </>
  );
}

function Amount({ value, onChange }: { value: Fields; onChange(patch: Fields): void }) {
  const { t } = useBuilder();
  return (
    <>
      <TextInput label={t('amount')} type="number" width="narrow" value={str(value.amount)} onChange={(text) => onChange({ amount: num(text) })} />
      <SelectInput label={t('unit')} value={str(value.unit)} options={TIME_UNITS.map((unit) => [unit, t(`u_${unit}`)] as const)} onChange={(unit) => onChange({ unit })} />
    </>
  );
}

function EventWindow({ node, set }: { node: Fields; set(patch: Fields, drop?: string[]): void }) {
  const { t } = useBuilder();
  const window = (node.window ?? null) as Fields | null;
  const kind = window === null ? 'ever' : str(window.type);
  const change = (next: string) => {
    const today = new Date().toISOString().slice(0, 10);
    if (next === 'ever') set({}, ['window']);
    else if (next === 'last' || next === 'older_than') set({ window: { type: next, amount: Number(window?.amount) || 7, unit: str(window?.unit) || 'days' } });
    else if (next === 'between') set({ window: { type: next, from: today, to: today } });
    else if (next === 'since') set({ window: { type: next, from: today } });
    else set({ window: { type: next, to: today } });
  };
  const patch = (fields: Fields) => set({ window: { ...(window ?? {}), ...fields } });
  return (
    <>
      <SelectInput label={t('window')} value={kind} options={(['ever', 'last', 'older_than', 'between', 'since', 'before'] as const).map((key) => [key, t(`w_${key}`)] as const)} onChange={change} />
      {window !== null && (kind === 'last' || kind === 'older_than') ? <Amount value={window} onChange={patch} /> : null}
      {window !== null && (kind === 'between' || kind === 'since') ? <TextInput label={t('from')} type="date" value={str(window.from).slice(0, 10)} onChange={(from) => patch({ from })} /> : null}
      {window !== null && (kind === 'between' || kind === 'before') ? <TextInput label={t('to')} type="date" value={str(window.to).slice(0, 10)} onChange={(to) => patch({ to })} /> : null}
    </>
  );
}

/** The property filters of one event: a row each (property, operator, value), and "add filter". */
function FilterRows({ where, setWhere, ops }: { where: Fields[]; setWhere(next: Fields[]): void; ops?: readonly string[] }) {
  const { t, readOnly } = useBuilder();
  return (
    <>
      {where.length === 0 ? null : (
        <fieldset className="segb-filters">
          <legend>{t('filters')}</legend>
          {where.map((filter, index) => (
            <div className="segb-fields" key={index}>
              <TextInput
                label={t('property')}
                hint={t('propertyHint')}
                value={str(filter.property)}
                onChange={(property) => setWhere(where.map((entry, at) => (at === index ? { ...entry, property } : entry)))}
              />
              <ValueTest ops={ops} test={filter} onChange={(next) => setWhere(where.map((entry, at) => (at === index ? next : entry)))} />
              {readOnly ? null : (
                <Button variant="ghost" className="segb-remove" aria-label={`${t('remove')}: ${str(filter.property)}`} onClick={() => setWhere(where.filter((_entry, at) => at !== index))}>
                  ✕
                </Button>
              )}
            </div>
          ))}
        </fieldset>
      )}
      {readOnly ? null : (
        <div>
          <Button variant="ghost" onClick={() => setWhere([...where, { property: 'category', op: 'equals', value: '' }])}>
            + {t('addFilter')}
          </Button>
        </div>
      )}
    </>
  );
}

function EventEditor({ node, set }: { node: Fields; set(patch: Fields, drop?: string[]): void }) {
  const { t } = useBuilder();
  const listId = useId();
  const performed = node.performed !== false;
  const count = (node.count ?? null) as Fields | null;
  const aggregate = (node.aggregate ?? null) as Fields | null;
  const where = (Array.isArray(node.where) ? node.where : []) as Fields[];
  const setWhere = (next: Fields[]) => (next.length === 0 ? set({}, ['where']) : set({ where: next }));
  return (
    <>
      <div className="segb-fields">
        <SelectInput
          label={t('performed')}
          value={performed ? 'did' : 'didNot'}
          options={[['did', t('did')] as const, ['didNot', t('didNot')] as const]}
          onChange={(next) => (next === 'did' ? set({}, ['performed']) : set({ performed: false }, ['count', 'aggregate', 'occurrence']))}
        />
        <TextInput label={t('eventName')} value={str(node.event)} list={listId} onChange={(event) => set({ event })} />
        <datalist id={listId}>
          {KNOWN_EVENTS.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <EventWindow node={node} set={set} />
      </div>
      {performed ? (
        <div className="segb-fields">
          <SelectInput
            label={t('count')}
            value={count === null ? 'none' : str(count.op)}
            options={(['none', 'at_least', 'at_most', 'exactly'] as const).map((key) => [key, t(`c_${key}`)] as const)}
            onChange={(op) => (op === 'none' ? set({}, ['count']) : set({ count: { op, value: Number(count?.value) || 1 } }, ['occurrence']))}
          />
          {count === null ? null : <TextInput label={t('times')} type="number" width="narrow" value={str(count.value)} onChange={(text) => set({ count: { ...count, value: num(text) } })} />}
          <SelectInput
            label={t('aggregate')}
            value={aggregate === null ? 'none' : str(aggregate.fn)}
            options={(['none', 'sum', 'avg', 'min', 'max'] as const).map((key) => [key, t(`a_${key}`)] as const)}
            onChange={(fn) =>
              fn === 'none'
                ? set({}, ['aggregate'])
                : set({ aggregate: { fn, property: str(aggregate?.property) || 'revenue', op: str(aggregate?.op) || 'gte', value: Number(aggregate?.value) || 0 } }, ['occurrence'])
            }
          />
          {aggregate === null ? null : (
            <>
              <TextInput label={t('property')} value={str(aggregate.property)} onChange={(property) => set({ aggregate: { ...aggregate, property } })} />
              <SelectInput
                label={t('operator')}
                value={str(aggregate.op)}
                options={COMPARE_OPS.map((op) => [op, t(`op_${op}`)] as const)}
                onChange={(op) => set({ aggregate: { ...aggregate, op } })}
              />
              <TextInput label={t('value')} type="number" width="narrow" value={str(aggregate.value)} onChange={(text) => set({ aggregate: { ...aggregate, value: num(text) } })} />
            </>
          )}
          <SelectInput
            label={t('occurrence')}
            value={str(node.occurrence) || 'any'}
            options={(['any', 'first', 'last'] as const).map((key) => [key, t(`o_${key}`)] as const)}
            onChange={(occurrence) => (occurrence === 'any' ? set({}, ['occurrence']) : set({ occurrence }, ['count', 'aggregate']))}
          />
        </div>
      ) : null}
      <FilterRows where={where} setWhere={setWhere} />
    </>
  );
}

function LeafEditor({ node, set }: { node: Node; set(patch: Fields, drop?: string[]): void }) {
  const { t, segments } = useBuilder();
  const scoreList = useId();
  switch (node.type) {
    case 'event':
      return <EventEditor node={node} set={set} />;
    case 'trait':
      return (
        <div className="segb-fields">
          <TextInput label={t('key')} hint={t('keyHint')} value={str(node.key)} onChange={(key) => set({ key })} />
          <ValueTest test={node} onChange={(next) => set(next, Object.keys(node))} />
        </div>
      );
    case 'score':
      return (
        <div className="segb-fields">
          <TextInput label={t('scoreKey')} value={str(node.key)} list={scoreList} onChange={(key) => set({ key })} />
          <datalist id={scoreList}>
            {SCORE_KEYS.map((key) => (
              <option key={key} value={key} />
            ))}
          </datalist>
          <ValueTest test={node} onChange={(next) => set(next, Object.keys(node))} />
        </div>
      );
    case 'computed': {
      const op = str(node.op);
      return (
        <div className="segb-fields">
          <SelectInput label={t('computedKey')} value={str(node.key)} options={COMPUTED_KEYS.map((key) => [key, t(`k_${key}`)] as const)} onChange={(key) => set({ key })} />
          <SelectInput
            label={t('operator')}
            value={op}
            options={[...COMPARE_OPS, 'between', 'exists', 'not_exists'].map((key) => [key, t(`op_${key}` as K)] as const)}
            onChange={(next) =>
              next === 'between'
                ? set({ op: next, min: 0, max: 10 }, ['value'])
                : next === 'exists' || next === 'not_exists'
                  ? set({ op: next }, ['value', 'min', 'max'])
                  : set({ op: next, value: Number(node.value) || 0 }, ['min', 'max'])
            }
          />
          {op === 'between' ? (
            <>
              <TextInput label={t('min')} type="number" width="narrow" value={str(node.min)} onChange={(text) => set({ min: num(text) })} />
              <TextInput label={t('max')} type="number" width="narrow" value={str(node.max)} onChange={(text) => set({ max: num(text) })} />
            </>
          ) : op === 'exists' || op === 'not_exists' ? null : (
            <TextInput label={t('value')} type="number" width="narrow" value={str(node.value)} onChange={(text) => set({ value: num(text) })} />
          )}
        </div>
      );
    }
    case 'lifecycle':
      return <Checks legend={t('stages')} all={LIFECYCLE_STAGES} selected={strList(node.stages)} label={(key) => t(`s_${key}` as K)} onChange={(stages) => set({ stages })} />;
    case 'preferred_channel':
      return <Checks legend={t('channels')} all={ENGAGEMENT_CHANNELS} selected={strList(node.channels)} label={(key) => t(`ch_${key}` as K)} onChange={(channels) => set({ channels })} />;
    case 'device':
      return <Checks legend={t('devices')} all={DEVICES} selected={strList(node.devices)} label={(key) => t(`d_${key}` as K)} onChange={(devices) => set({ devices })} />;
    case 'reachable':
      return (
        <div className="segb-fields">
          <SelectInput label={t('channel')} value={str(node.channel)} options={CONSENT_CHANNELS.map((key) => [key, t(`ch_${key}`)] as const)} onChange={(channel) => set({ channel })} />
          <label className="segb-inline-check">
            <input type="checkbox" checked={node.requireOptIn === true} onChange={(event) => (event.target.checked ? set({ requireOptIn: true }) : set({}, ['requireOptIn']))} />
            {t('requireOptIn')}
          </label>
        </div>
      );
    case 'location':
      return (
        <div className="segb-fields">
          <TextInput
            label={t('countries')}
            width="wide"
            value={strList(node.countries).join(', ')}
            onChange={(text) => (text.trim() === '' ? set({}, ['countries']) : set({ countries: list(text) }))}
          />
          <TextInput label={t('cities')} width="wide" value={strList(node.cities).join(', ')} onChange={(text) => (text.trim() === '' ? set({}, ['cities']) : set({ cities: list(text) }))} />
        </div>
      );
    case 'traffic_source':
      return (
        <div className="segb-fields">
          <SelectInput label={t('touch')} value={str(node.touch)} options={(['first', 'last'] as const).map((key) => [key, t(`touch_${key}`)] as const)} onChange={(touch) => set({ touch })} />
          <SelectInput
            label={t('sourceField')}
            value={str(node.field)}
            options={(['kind', 'source', 'medium', 'campaign'] as const).map((key) => [key, t(`f_${key}`)] as const)}
            onChange={(field) => set({ field })}
          />
          <TextInput label={t('sourceValues')} width="wide" value={strList(node.values).join(', ')} onChange={(text) => set({ values: list(text) })} />
        </div>
      );
    case 'segment':
      return (
        <div className="segb-fields">
          <SelectInput
            label={t('member')}
            value={node.member === false ? 'no' : 'yes'}
            options={[['yes', t('isMember')] as const, ['no', t('notMember')] as const]}
            onChange={(next) => (next === 'yes' ? set({}, ['member']) : set({ member: false }))}
          />
          <SelectInput
            label={t('segmentPick')}
            value={str(node.segmentId)}
            options={[['', t('chooseSegment')] as const, ...segments.map((segment) => [segment.id, segment.name] as const)]}
            onChange={(segmentId) => set({ segmentId })}
          />
        </div>
      );
    case 'random_bucket':
      return (
        <div className="segb-fields">
          <TextInput label={t('bucketFrom')} type="number" width="narrow" value={str(node.from)} onChange={(text) => set({ from: num(text) })} />
          <TextInput label={t('bucketTo')} type="number" width="narrow" value={str(node.to)} onChange={(text) => set({ to: num(text) })} />
          <TextInput label={t('salt')} value={str(node.salt)} onChange={(salt) => (salt === '' ? set({}, ['salt']) : set({ salt }))} />
        </div>
      );
    default:
      return <code className="code">{JSON.stringify(node)}</code>;
  }
}

function RowIssues({ path }: { path: string }) {
  const { issues, t } = useBuilder();
  const list = issues.get(path);
  if (list === undefined || list.length === 0) return null;
  return (
    <div className="segb-issues" role="alert">
      <strong>{t('rowProblem')}:</strong>
      <ul>
        {list.map((issue, index) => (
          <li key={index}>
            {issue.field === '' ? null : <code className="code">{issue.field}</code>} {issue.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function LeafRow({ node, path }: { node: Node; path: string }) {
  const { root, onChange, t, readOnly, issues } = useBuilder();
  const replace = (fn: (node: Node) => Node | undefined) => onChange(updateAt(root, path, fn));
  const set = (patch: Fields, drop: string[] = []) =>
    replace((current) => {
      const next: Record<string, Json> = { ...current };
      for (const key of drop) delete next[key];
      return { ...next, ...patch, type: current.type } as Node;
    });
  const invalid = (issues.get(path)?.length ?? 0) > 0;
  return (
    <li className={`segb-row ${invalid ? 'invalid' : ''}`} data-path={path}>
      <div className="segb-row-head">
        <SelectInput
          className="segb-type"
          label={t('conditionType')}
          value={node.type}
          options={LEAF_TYPES.map((type) => [type, t(`t_${type}`)] as const)}
          onChange={(type) => replace(() => defaultLeaf(type as LeafType))}
        />
        {readOnly ? null : (
          <Button variant="ghost" className="segb-remove" aria-label={t('removeRow')} onClick={() => replace(() => undefined)}>
            ✕
          </Button>
        )}
      </div>
      <LeafEditor node={node} set={set} />
      <RowIssues path={path} />
    </li>
  );
}

function Child({ node, path }: { node: Node; path: string }) {
  if (node.type === 'not') return <NotRow node={node} path={path} />;
  if (isGroup(node)) return <GroupRow node={node} path={path} />;
  return <LeafRow node={node} path={path} />;
}

function AddButtons({ onAdd }: { onAdd(node: Node): void }) {
  const { t, readOnly } = useBuilder();
  if (readOnly) return null;
  return (
    <div className="segb-add">
      <Button onClick={() => onAdd(defaultLeaf('event'))}>+ {t('addCondition')}</Button>
      <Button variant="ghost" onClick={() => onAdd({ type: 'or', conditions: [defaultLeaf('trait')] })}>
        + {t('addGroup')}
      </Button>
      <Button variant="ghost" onClick={() => onAdd({ type: 'not', condition: defaultLeaf('event') })}>
        + {t('addExclusion')}
      </Button>
    </div>
  );
}

function GroupRow({ node, path }: { node: Node; path: string }) {
  const { root, onChange, t, readOnly } = useBuilder();
  const children = (Array.isArray(node.conditions) ? node.conditions : []) as Node[];
  const replace = (fn: (node: Node) => Node | undefined) => onChange(updateAt(root, path, fn));
  const isRoot = path === 'condition';
  return (
    <li className={`segb-group ${node.type}`} data-path={path}>
      <fieldset>
        <legend className="visually-hidden">{t('groupLabel')}</legend>
        <div className="segb-row-head">
          <SelectInput
            label={t('matchMode')}
            value={node.type}
            options={[['and', t('groupAll')] as const, ['or', t('groupAny')] as const]}
            onChange={(type) => replace((current) => ({ ...current, type }) as Node)}
          />
          {isRoot || readOnly ? null : (
            <Button variant="ghost" className="segb-remove" aria-label={t('removeGroup')} onClick={() => replace(() => undefined)}>
              ✕
            </Button>
          )}
        </div>
        <ol className="segb-list">
          {children.map((child, index) => (
            <Child key={index} node={child} path={childPath(path, index)} />
          ))}
        </ol>
        <AddButtons onAdd={(added) => replace((current) => ({ ...current, conditions: [...((current.conditions as Node[] | undefined) ?? []), added] }) as Node)} />
        <RowIssues path={path} />
      </fieldset>
    </li>
  );
}

function NotRow({ node, path }: { node: Node; path: string }) {
  const { root, onChange, t, readOnly } = useBuilder();
  const inner = node.condition as Node | null;
  return (
    <li className="segb-group not" data-path={path}>
      <fieldset>
        <legend className="visually-hidden">{t('notLabel')}</legend>
        <div className="segb-row-head">
          <strong className="segb-not-label">{t('notLabel')}</strong>
          {readOnly ? null : (
            <Button variant="ghost" className="segb-remove" aria-label={t('removeGroup')} onClick={() => onChange(updateAt(root, path, () => undefined))}>
              ✕
            </Button>
          )}
        </div>
        <ol className="segb-list">{inner === null || typeof inner !== 'object' ? null : <Child node={inner} path={childPath(path, 'not')} />}</ol>
        <RowIssues path={path} />
      </fieldset>
    </li>
  );
}

/** The builder for one condition tree; the root is always a group. */
export function ConditionBuilder({
  value,
  onChange,
  issues,
  segments,
  readOnly = false,
  children,
}: {
  value: Node;
  onChange(next: Node): void;
  issues: Map<string, RowIssue[]>;
  segments: readonly { id: string; name: string }[];
  readOnly?: boolean;
  children?: ReactNode;
}) {
  const t = useT(builderMessages);
  const root = value.type === 'and' || value.type === 'or' ? value : ({ type: 'and', conditions: [value] } as Node);
  const state: BuilderState = { root, onChange, issues, segments, readOnly, t };
  return (
    <Ctx.Provider value={state}>
      <div className="segb" aria-label={t('builder')} role="group">
        <ol className="segb-list segb-root">
          <GroupRow node={root} path="condition" />
        </ol>
        {children}
      </div>
    </Ctx.Provider>
  );
}

const standalone: Node = { type: 'and', conditions: [] };

/**
 * The segment builder's property filter rows on their own, for other screens that narrow an event
 * by its properties in the same words (a funnel step), limited to `ops`.
 * @example <PropertyFilters where={step.where} ops={FUNNEL_OPS} onChange={(where) => setStep({ ...step, where })} />
 */
export function PropertyFilters({ where, ops, onChange }: { where: readonly Fields[]; ops: readonly ValueOp[]; onChange(next: Fields[]): void }) {
  const t = useT(builderMessages);
  const state: BuilderState = { root: standalone, onChange: () => undefined, issues: new Map(), segments: [], readOnly: false, t };
  return (
    <Ctx.Provider value={state}>
      <div className="segb">
        <FilterRows where={[...where]} setWhere={onChange} ops={ops} />
      </div>
    </Ctx.Provider>
  );
}
