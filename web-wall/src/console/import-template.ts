// The CSV columns the gateway's importer accepts (device-registry/import/
// columns.ts; the wall copies the list rather than sharing code), and a
// template with one example row to download and fill in a spreadsheet.
export type ImportEntity = 'channels' | 'sensors';

const PLACE = ['location.lat', 'location.lng', 'gridCode', 'tags', 'enabled'];

export const IMPORT_COLUMNS: Record<ImportEntity, string[]> = {
  channels: [
    'id', 'name', 'kind', 'source.url', 'source.username', 'source.password', 'source.pushKey', 'source.deviceId', 'source.channelId',
    ...PLACE, 'mode', 'detectionProfile',
    // A row of kind onvif: the gateway reads the camera at onvif.host[:onvif.port] with source.username/password.
    'onvif.host', 'onvif.port',
  ],
  sensors: ['id', 'name', 'kind', 'mqtt.clientId', 'mqtt.username', 'mqtt.password', 'topic', 'unit', ...PLACE, 'rules'],
};

/** One filled-in row per entity, so the template shows the formats (tags split by ;, rules as JSON). */
const EXAMPLE: Record<ImportEntity, Record<string, string>> = {
  channels: {
    id: 'cam-example-01', name: '示例摄像机-01', kind: 'rtsp', 'source.url': 'rtsp://192.168.1.64:554/Streaming/Channels/101',
    'source.username': 'admin', 'location.lat': '31.2304', 'location.lng': '121.4737', tags: '路口;高点', enabled: 'true', mode: 'on-demand',
  },
  sensors: {
    id: 'gas-example-01', name: '示例燃气-01', kind: 'gas', 'mqtt.clientId': 'gas-example-01', 'mqtt.username': 'gas-example-01',
    'mqtt.password': 'change-me-please', topic: 'sensors/gas-example-01/telemetry', unit: '%LEL', enabled: 'true',
    rules: '{"ch4":{"above":20,"recover":10,"forSeconds":10,"severity":"critical"}}',
  },
};

const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function templateCsv(entity: ImportEntity): string {
  const columns = IMPORT_COLUMNS[entity];
  const example = columns.map((c) => csvCell(EXAMPLE[entity][c] ?? ''));
  return `${columns.join(',')}\r\n${example.join(',')}\r\n`;
}

/** Saves the template as a file; the BOM makes Excel read it as UTF-8. */
export function downloadTemplate(entity: ImportEntity): void {
  const url = URL.createObjectURL(new Blob([`\uFEFF${templateCsv(entity)}`], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${entity}-template.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
