// The sensor panel's texts (zh-CN and en): statuses of a sensor card, metric
// names, the filters of the sensors page. Shared vocab (kind.*) is in i18n/common.ts.
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'sensors.title': '物联感知', 'sensors.none': '暂无传感器', 'sensors.all': '全部',
    'sensors.status.normal': '正常', 'sensors.status.pending': '待确认', 'sensors.status.firing': '报警', 'sensors.status.offline': '离线',
    'sensors.noValue': '暂无读数', 'sensors.lastSeen': '最后上报 {time}', 'sensors.since': '{rule} · 自 {time}',
    'sensors.threshold': '阈值 {value}', 'sensors.window': '近 30 分钟', 'sensors.loadFailed': '传感器数据刷新失败：{message}',
    'sensors.updated': '更新于 {time}', 'sensors.noGrid': '未分配网格',
    'metric.ch4': '甲烷', 'metric.co': '一氧化碳', 'metric.h2s': '硫化氢', 'metric.o2': '氧气', 'metric.battery': '电量',
    'metric.level': '水位', 'metric.smoke': '烟雾', 'metric.obscuration': '减光率', 'metric.temp': '温度', 'metric.rh': '湿度',
    'metric.tilt': '倾角', 'metric.open': '开启',
  },
  en: {
    'sensors.title': 'Sensors', 'sensors.none': 'No sensors', 'sensors.all': 'All',
    'sensors.status.normal': 'Normal', 'sensors.status.pending': 'Pending', 'sensors.status.firing': 'Alarm', 'sensors.status.offline': 'Offline',
    'sensors.noValue': 'No reading yet', 'sensors.lastSeen': 'Last seen {time}', 'sensors.since': '{rule} · since {time}',
    'sensors.threshold': 'Threshold {value}', 'sensors.window': 'Last 30 min', 'sensors.loadFailed': 'Could not refresh the sensors: {message}',
    'sensors.updated': 'Updated {time}', 'sensors.noGrid': 'No grid cell',
    'metric.ch4': 'CH₄', 'metric.co': 'CO', 'metric.h2s': 'H₂S', 'metric.o2': 'O₂', 'metric.battery': 'Battery',
    'metric.level': 'Level', 'metric.smoke': 'Smoke', 'metric.obscuration': 'Obscuration', 'metric.temp': 'Temperature', 'metric.rh': 'Humidity',
    'metric.tilt': 'Tilt', 'metric.open': 'Open',
  },
});
