// The inputs of the sensor form: identity, MQTT login (the password is
// write-only), topic and unit, where it is, and its rules (a form, the JSON under "advanced").
import { label, t } from '../i18n/index.ts';
import type { FormProblems } from './field-errors.ts';
import { CheckField, TextField } from './form-fields.tsx';
import { PlaceFields } from './place-fields.tsx';
import { KNOWN_SENSOR_KINDS, type SensorDraft } from './sensor-draft.ts';
import { SensorRulesForm } from './sensor-rules-form.tsx';

interface Props {
  draft: SensorDraft;
  set: (patch: Partial<SensorDraft>) => void;
  problems: FormProblems;
  editing: boolean;
}

export function SensorFields({ draft, set, problems, editing }: Props) {
  const common = { problems };
  return (
    <div class="form-grid">
      <TextField {...common} label={t('console.col.id')} name="id" value={draft.id} onChange={(id) => set({ id })} readOnly={editing} hint={editing ? undefined : t('console.form.idHint')} />
      <TextField {...common} label={t('console.col.name')} name="name" value={draft.name} onChange={(name) => set({ name })} />
      <TextField {...common} label={t('console.col.kind')} name="kind" value={draft.kind} onChange={(kind) => set({ kind })} list="sensor-kinds" hint={t('console.sensor.kindHint')} />
      <datalist id="sensor-kinds">{KNOWN_SENSOR_KINDS.map((k) => <option key={k} value={k}>{label('kind', k)}</option>)}</datalist>
      <TextField {...common} label={t('console.sensor.clientId')} name="mqtt.clientId" value={draft.clientId} onChange={(clientId) => set({ clientId })} />
      <TextField {...common} label={t('console.sensor.username')} name="mqtt.username" value={draft.username} onChange={(username) => set({ username })} />
      <TextField {...common} label={t('console.sensor.password')} name="mqtt.password" type="password" value={draft.password} onChange={(password) => set({ password })}
        hint={editing ? t('console.form.secretKeep') : t('console.sensor.passwordHint')} />
      <TextField {...common} label={t('console.col.topic')} name="topic" value={draft.topic} onChange={(topic) => set({ topic })} placeholder="sensors/<id>/telemetry" hint={editing ? undefined : t('console.sensor.topicHint')} />
      <TextField {...common} label={t('console.sensor.unit')} name="unit" value={draft.unit} onChange={(unit) => set({ unit })} placeholder="%LEL" />
      <PlaceFields draft={draft} set={set} problems={problems} />
      <CheckField {...common} label={t('console.col.enabled')} name="enabled" value={draft.enabled} onChange={(enabled) => set({ enabled })} />
      <SensorRulesForm value={draft.rules} onChange={(rules) => set({ rules })} problems={problems} kind={draft.kind} />
    </div>
  );
}
