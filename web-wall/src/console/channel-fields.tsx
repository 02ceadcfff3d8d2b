// The inputs of the camera form: what every camera has, and the source
// fields of its kind (RTSP URL and login, RTMP push key, GB28181 codes).
import { label, t } from '../i18n/index.ts';
import type { ChannelDraft, ChannelKind, RecordingChoice } from './channel-draft.ts';
import { profileOptions, profilesProblem } from './detection-profiles.ts';
import type { FormProblems } from './field-errors.ts';
import { CheckField, SelectField, TextField } from './form-fields.tsx';
import { PlaceFields } from './place-fields.tsx';
import './recording-text.ts';
import { TestConnection } from './test-connection.tsx';

const KINDS: ChannelKind[] = ['rtsp', 'rtmp', 'gb28181'];
const RECORDING: RecordingChoice[] = ['', 'off', 'events', 'continuous'];

interface Props {
  draft: ChannelDraft;
  set: (patch: Partial<ChannelDraft>) => void;
  problems: FormProblems;
  editing: boolean;
}

export function ChannelFields({ draft, set, problems, editing }: Props) {
  const common = { problems };
  return (
    <div class="form-grid">
      <TextField {...common} label={t('console.col.id')} name="id" value={draft.id} onChange={(id) => set({ id })} readOnly={editing} hint={editing ? undefined : t('console.form.idHint')} />
      <TextField {...common} label={t('console.col.name')} name="name" value={draft.name} onChange={(name) => set({ name })} />
      <SelectField {...common} label={t('console.col.kind')} name="kind" value={draft.kind} onChange={(kind) => set({ kind: kind as ChannelKind })}
        options={KINDS.map((k) => ({ value: k, label: label('kind', k) }))} />
      {draft.kind === 'rtsp' && (
        <>
          <TextField {...common} label={t('console.channel.url')} name="source.url" value={draft.url} onChange={(url) => set({ url })} placeholder="rtsp://192.168.1.64:554/Streaming/Channels/101" />
          <TextField {...common} label={t('console.channel.username')} name="source.username" value={draft.username} onChange={(username) => set({ username })} />
          <TextField {...common} label={t('console.channel.password')} name="source.password" type="password" value={draft.password} onChange={(password) => set({ password })}
            hint={editing ? t('console.form.secretKeep') : undefined} />
          <TestConnection draft={draft} channelId={editing ? draft.id : undefined} />
          <TextField {...common} label={t('console.channel.subUrl')} name="subSource.url" value={draft.subUrl} onChange={(subUrl) => set({ subUrl })}
            placeholder="rtsp://192.168.1.64:554/Streaming/Channels/102" hint={t('console.channel.subUrlHint')} />
        </>
      )}
      {draft.kind === 'rtmp' && (
        <TextField {...common} label={t('console.channel.pushKey')} name="source.pushKey" type="password" value={draft.pushKey} onChange={(pushKey) => set({ pushKey })}
          hint={editing ? t('console.form.secretKeep') : t('console.channel.pushKeyHint')} />
      )}
      {draft.kind === 'gb28181' && (
        <>
          <TextField {...common} label={t('console.channel.deviceId')} name="source.deviceId" value={draft.deviceId} onChange={(deviceId) => set({ deviceId })} placeholder="34020000001320000001" hint={t('console.channel.code20')} />
          <TextField {...common} label={t('console.channel.channelId')} name="source.channelId" value={draft.channelId} onChange={(channelId) => set({ channelId })} placeholder="34020000001310000001" hint={t('console.channel.code20')} />
        </>
      )}
      <PlaceFields draft={draft} set={set} problems={problems} />
      <SelectField {...common} label={t('console.col.mode')} name="mode" value={draft.mode} onChange={(mode) => set({ mode: mode as ChannelDraft['mode'] })}
        options={[{ value: 'on-demand', label: t('console.mode.on-demand') }, { value: 'always-on', label: t('console.mode.always-on') }]} />
      <CheckField {...common} label={t('console.col.enabled')} name="enabled" value={draft.enabled} onChange={(enabled) => set({ enabled })} />
      <SelectField {...common} label={t('console.col.profile')} name="detectionProfile" value={draft.detectionProfile} onChange={(detectionProfile) => set({ detectionProfile })}
        options={profileOptions(draft.detectionProfile, t('common.none'))} hint={profilesProblem.value ? t('console.channel.profilesFailed', { message: profilesProblem.value }) : undefined} />
      <SelectField {...common} label={t('console.col.recording')} name="recording" value={draft.recording} onChange={(recording) => set({ recording: recording as RecordingChoice })}
        options={RECORDING.map((value) => ({ value, label: t(`console.recording.${value || 'default'}`) }))} hint={t('console.recording.hint')} />
    </div>
  );
}
