// The zone and mask editor (#/console/channels/zones/<id>): the camera's live
// snapshot with its detection profile's polygons (named zones, rule zones,
// motion masks, object masks), each labelled with the rules that use it; add,
// move and delete points and polygons; test the edited profile against the
// last minutes of detections; save it for every camera that shares it.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import type { Channel } from '../api/types.ts';
import { renewUrlToken, withUrlToken } from '../api/url-token.ts';
import { label, t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { can, me } from '../session.ts';
import { channels, refreshLists } from '../store/registry.ts';
import { fieldProblemsOf, generalProblem, NO_PROBLEMS, sayAll, sortProblems, type FormProblems } from './field-errors.ts';
import { GeneralProblems } from './form-fields.tsx';
import { ZoneCanvas } from './zone-canvas.tsx';
import { RuleTestPanel, type RuleTestResult } from './zone-rule-test.tsx';
import { addShape, removeShape, setPolygon, shapesOf, type Profile, type ShapeKind } from './zone-shapes.ts';
import './zone-editor.css';
import './zone-text.ts';

/** A failed PUT or test as problems at the shapes' fields (the test's fields start with `profile.`). */
function problemsAt(err: unknown, fields: string[]): FormProblems {
  if (!(err instanceof ApiError) || err.status !== 400) return generalProblem(() => t('common.error', { message: (err as Error).message }));
  const found = fieldProblemsOf(err).map((p) => ({ ...p, field: p.field.replace(/^profile\./, '') }));
  return found.length ? sortProblems(found, fields, () => t('console.form.invalid')) : generalProblem(() => err.message);
}

export function ZoneEditor({ id }: { id: string }) {
  const [channel, setChannel] = useState<Channel | null>(null);
  const [saved, setSaved] = useState<Profile | null>(null);
  const [draft, setDraft] = useState<Profile | null>(null);
  const [selected, setSelected] = useState<{ field: string; point: number | null } | null>(null);
  const [problems, setProblems] = useState<FormProblems>(NO_PROBLEMS);
  const [tested, setTested] = useState<RuleTestResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [zoneName, setZoneName] = useState('');
  const [token, setToken] = useState(false);
  const [notice, setNotice] = useState<{ name: string; n: number } | null>(null);
  const readOnly = !can(me.value?.role, 'engineer', 'admin');

  useEffect(() => {
    void refreshLists();
    void renewUrlToken().then(() => setToken(true), (err: Error) => setProblems(generalProblem(() => t('common.error', { message: err.message }))));
    void (async () => {
      try {
        const c = await api<Channel>(`/api/channels/${encodeURIComponent(id)}`);
        setChannel(c);
        const all = await api<Record<string, Profile>>('/api/detection/profiles');
        const p = c.detectionProfile ? all[c.detectionProfile] : undefined;
        if (p) {
          setSaved(p);
          setDraft(structuredClone(p));
        }
      } catch (err) {
        setProblems(generalProblem(() => t('common.error', { message: (err as Error).message })));
      }
    })();
  }, [id]);

  const name = channel?.detectionProfile;
  if (!channel || (name && !draft)) return <div class="scroll-page"><GeneralProblems problems={problems} />{!problems.general.length && <p class="muted">{t('common.loading')}</p>}</div>;
  if (!name || !draft) return <div class="scroll-page"><p class="muted" data-testid="zone-no-profile">{t('zones.noProfile', { id })}</p></div>;

  const shapes = shapesOf(draft);
  const fields = [...shapes.map((s) => s.field), ...draft.rules.map((_, i) => `rules.${i}`)];
  const users = channels.value.filter((c) => c.detectionProfile === name);
  const edit = (next: Profile) => { setDraft(next); setTested(null); setNotice(null); };
  const add = (kind: ShapeKind, rule?: number) => {
    const { profile, field } = addShape(draft, kind, { name: zoneName.trim(), rule });
    edit(profile);
    setSelected({ field, point: null });
    setZoneName('');
  };
  const deletePoint = () => {
    const shape = shapes.find((s) => s.field === selected?.field);
    if (!shape || selected?.point === null || selected?.point === undefined) return;
    edit(setPolygon(draft, shape.field, shape.polygon.filter((_, i) => i !== selected.point)));
    setSelected({ field: shape.field, point: null });
  };
  const run = async (what: 'save' | 'test') => {
    setBusy(true);
    try {
      if (what === 'save') {
        const stored = await api<Profile>(`/api/detection/profiles/${encodeURIComponent(name)}`, { method: 'PUT', body: draft });
        setSaved(stored);
        setProblems(NO_PROBLEMS);
        setNotice({ name, n: users.length });
      } else {
        setTested(await api<RuleTestResult>('/api/detection/rule-test', { method: 'POST', body: { channelId: id, profile: draft } }));
        setProblems(NO_PROBLEMS);
      }
    } catch (err) {
      setProblems(problemsAt(err, fields));
    } finally {
      setBusy(false);
    }
  };
  const changed = JSON.stringify(saved) !== JSON.stringify(draft);
  const boxes = tested ? [...tested.matches.map((m) => ({ ...m, fired: false })), ...tested.firings.map((f) => ({ ...f, fired: true }))] : [];

  return (
    <div class="scroll-page zone-editor" data-testid="zone-editor" tabIndex={-1}
      onKeyDown={(e) => {
        if (readOnly || (e.target as HTMLElement).tagName === 'INPUT') return;
        if (e.key === 'Delete' || e.key === 'Backspace') deletePoint();
        if (e.key === 'Escape') setSelected(null);
      }}>
      <header class="zone-head">
        <h2>{t('zones.title', { channel: channel.name, profile: name })}</h2>
        <span class="muted" data-testid="zone-shared">{t('zones.usedBy', { n: users.length })}{users.length > 1 ? ` (${users.map((c) => c.name).join(t('zones.sep'))})` : ''}</span>
        <span class="spacer" />
        <button type="button" onClick={() => go('console', 'channels')}>{t('common.close')}</button>
      </header>
      <div class="zone-main">
        {token ? <ZoneCanvas src={withUrlToken(`/api/channels/${encodeURIComponent(id)}/snapshot.jpg`)} shapes={shapes} selected={selected?.field ?? null} selectedPoint={selected?.point ?? null}
          readOnly={readOnly} boxes={boxes} select={(field, point) => setSelected({ field, point })} change={(field, polygon) => edit(setPolygon(draft, field, polygon))} /> : <div class="zone-canvas" />}
        <aside class="zone-side panel">
          <ul class="zone-list" data-testid="zone-list">
            {shapes.map((s) => (
              <li key={s.field} data-field={s.field} class={s.field === selected?.field ? 'selected' : ''} onClick={() => setSelected({ field: s.field, point: null })}>
                <span class={`swatch ${s.kind}`} />
                <b>{t(`zones.kind.${s.kind}`)}</b> {s.name} <small class="muted">{t('zones.points', { n: s.polygon.length })}</small>
                <div class="muted used-by">{s.kind === 'motionMask' ? t('zones.motionUse') : s.usedBy.length ? t('zones.rules', { rules: s.usedBy.join(t('zones.sep')) }) : t('zones.unused')}</div>
                {sayAll(problems.byField.get(s.field)).map((m, i) => <div key={i} class="error" data-field-error={s.field}>{m}</div>)}
              </li>
            ))}
          </ul>
          {!readOnly && (
            <div class="zone-tools">
              <p class="muted">{selected ? t('zones.hintSelected') : t('zones.hint')}</p>
              <div class="row">
                <button type="button" data-testid="delete-point" disabled={selected?.point === null || selected?.point === undefined} onClick={deletePoint}>{t('zones.deletePoint')}</button>
                <button type="button" data-testid="delete-shape" disabled={!selected} onClick={() => { edit(removeShape(draft, selected!.field)); setSelected(null); }}>{t('zones.deleteShape')}</button>
              </div>
              <div class="row">
                <input value={zoneName} placeholder={t('zones.zoneName')} data-testid="zone-name" onInput={(e) => setZoneName(e.currentTarget.value)} />
                <button type="button" data-testid="add-zone" onClick={() => add('zone')}>{t('zones.addZone')}</button>
                <button type="button" data-testid="add-motion-mask" onClick={() => add('motionMask')}>{t('zones.addMotionMask')}</button>
              </div>
              {draft.rules.map((r, i) => (
                <div class="row rule-row" key={i} data-rule={r.name}>
                  <span>{t('zones.rule', { name: r.name, classes: r.classes.map((c) => label('object', c)).join(t('zones.sep')) })}</span>
                  {sayAll(problems.byField.get(`rules.${i}`)).map((m, k) => <div key={k} class="error" data-field-error={`rules.${i}`}>{m}</div>)}
                  {!r.zone && <button type="button" data-testid="add-rule-zone" onClick={() => add('ruleZone', i)}>{t('zones.addRuleZone')}</button>}
                  <button type="button" data-testid="add-object-mask" onClick={() => add('objectMask', i)}>{t('zones.addObjectMask')}</button>
                </div>
              ))}
            </div>
          )}
          <GeneralProblems problems={problems} />
          <div class="form-buttons">
            <button type="button" data-testid="test-rule" disabled={busy} onClick={() => void run('test')}>{t('zones.test')}</button>
            {!readOnly && <button type="button" class="primary" data-testid="save-profile" disabled={busy || !changed} onClick={() => void run('save')}>{t('common.save')}</button>}
            {changed && <span class="muted" data-testid="unsaved">{t('zones.unsaved')}</span>}
            {notice && <span class="ok" role="status" data-testid="zone-saved">{t('zones.saved', notice)}</span>}
          </div>
          {tested && <RuleTestPanel result={tested} />}
        </aside>
      </div>
    </div>
  );
}
