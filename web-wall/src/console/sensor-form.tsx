// Add or edit one sensor (#/console/sensors/new, #/console/sensors/edit/<id>).
import type { Sensor } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { go } from '../router.ts';
import { flash } from './flash.ts';
import { FormPage } from './form-page.tsx';
import { SENSOR_FIELDS, sensorBody, sensorDraftOf, sensorPatch } from './sensor-draft.ts';
import { SensorFields } from './sensor-fields.tsx';
import { refreshSensors } from './sensor-store.ts';
import { useDeviceForm } from './use-device-form.ts';

const back = () => go('console', 'sensors');

export function SensorForm({ id }: { id?: string }) {
  const form = useDeviceForm<Sensor, ReturnType<typeof sensorDraftOf>>({
    collection: '/api/sensors', id, fields: SENSOR_FIELDS, draftOf: sensorDraftOf, body: sensorBody, patch: sensorPatch,
    refresh: refreshSensors,
    created: () => false,
    close: (message) => { flash(message); back(); },
  });
  const { loaded, draft, setDraft, problems } = form;
  return (
    <FormPage
      testId="sensor-form" title={id ? t('console.sensor.editTitle', { id }) : t('console.sensor.newTitle')}
      loading={Boolean(id && !loaded)} version={loaded?.entity.version} deleteName={loaded?.entity.name} form={form} cancel={back}
    >
      <SensorFields draft={draft} set={(patch) => setDraft({ ...draft, ...patch })} problems={problems} editing={Boolean(id)} />
    </FormPage>
  );
}
