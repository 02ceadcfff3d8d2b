// Texts of the ONVIF page (scan, pick, credentials, import) and of a camera's
// ONVIF facts (zh-CN and en).
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'console.tab.onvif': 'ONVIF 摄像机',
    'console.onvif.title': 'ONVIF 摄像机', 'console.onvif.scan': '扫描', 'console.onvif.scanning': '正在扫描…',
    'console.onvif.scanHint': '在局域网内发送 ONVIF 设备发现探测，列出应答的设备', 'console.onvif.found': '发现 {count} 台设备',
    'console.onvif.none': '未发现设备；可在下方按地址添加', 'console.onvif.scanFailed': '扫描失败：{message}',
    'console.onvif.col.pick': '选择', 'console.onvif.col.address': '地址', 'console.onvif.col.device': '设备', 'console.onvif.col.registered': '是否已添加',
    'console.onvif.col.name': '通道名称', 'console.onvif.col.username': '用户名', 'console.onvif.col.password': '密码',
    'console.onvif.registered': '已添加（{id}）', 'console.onvif.notRegistered': '未添加',
    'console.onvif.addAddress': '按地址添加', 'console.onvif.host': 'IP 地址或主机名', 'console.onvif.port': '端口', 'console.onvif.addRow': '加入列表',
    'console.onvif.credentials': '统一账号', 'console.onvif.credentialsHint': '所选设备共用此用户名和密码；某行单独填写则以该行为准',
    'console.onvif.rowPasswordHint': '留空用统一密码', 'console.onvif.grid': '放入网格',
    'console.onvif.import': '导入所选（{count}）', 'console.onvif.importing': '正在读取摄像机并导入…', 'console.onvif.nothingPicked': '请先勾选要导入的设备。',
    'console.onvif.importFailed': '导入失败：{message}',
    'console.onvif.facts': 'ONVIF 信息', 'console.onvif.maker': '厂商', 'console.onvif.model': '型号', 'console.onvif.firmware': '固件', 'console.onvif.serial': '序列号',
    'console.onvif.service': '设备服务地址', 'console.onvif.profiles': '配置文件', 'console.onvif.capabilities': '能力', 'console.onvif.ptz': '云台', 'console.onvif.events': '事件',
    'console.onvif.clockSkew': '时钟偏差', 'console.onvif.skewSeconds': '{seconds} 秒', 'console.onvif.readAt': '读取时间', 'console.onvif.mainSub': '主码流 / 子码流',
    'console.onvif.refresh': '重新读取', 'console.onvif.refreshed': '已重新读取摄像机信息', 'console.onvif.refreshFailed': '读取失败：{message}',
    'console.onvif.yes': '有', 'console.onvif.no': '无',
  },
  en: {
    'console.tab.onvif': 'ONVIF cameras',
    'console.onvif.title': 'ONVIF cameras', 'console.onvif.scan': 'Scan', 'console.onvif.scanning': 'Scanning…',
    'console.onvif.scanHint': 'Sends a WS-Discovery probe on the LAN and lists the ONVIF devices that answer', 'console.onvif.found': '{count} devices found',
    'console.onvif.none': 'No device answered; add one by address below', 'console.onvif.scanFailed': 'Scan failed: {message}',
    'console.onvif.col.pick': 'Pick', 'console.onvif.col.address': 'Address', 'console.onvif.col.device': 'Device', 'console.onvif.col.registered': 'Registered',
    'console.onvif.col.name': 'Channel name', 'console.onvif.col.username': 'User name', 'console.onvif.col.password': 'Password',
    'console.onvif.registered': 'Added ({id})', 'console.onvif.notRegistered': 'Not added',
    'console.onvif.addAddress': 'Add by address', 'console.onvif.host': 'IP address or host name', 'console.onvif.port': 'Port', 'console.onvif.addRow': 'Add to the list',
    'console.onvif.credentials': 'Credentials for all', 'console.onvif.credentialsHint': 'Used for every picked device; a row\'s own entries win',
    'console.onvif.rowPasswordHint': 'Blank: the shared password', 'console.onvif.grid': 'Grid cell',
    'console.onvif.import': 'Import picked ({count})', 'console.onvif.importing': 'Reading the cameras and importing…', 'console.onvif.nothingPicked': 'Pick the devices to import first.',
    'console.onvif.importFailed': 'Import failed: {message}',
    'console.onvif.facts': 'ONVIF', 'console.onvif.maker': 'Manufacturer', 'console.onvif.model': 'Model', 'console.onvif.firmware': 'Firmware', 'console.onvif.serial': 'Serial number',
    'console.onvif.service': 'Device service', 'console.onvif.profiles': 'Profiles', 'console.onvif.capabilities': 'Capabilities', 'console.onvif.ptz': 'PTZ', 'console.onvif.events': 'Events',
    'console.onvif.clockSkew': 'Clock skew', 'console.onvif.skewSeconds': '{seconds} s', 'console.onvif.readAt': 'Read at', 'console.onvif.mainSub': 'Main / sub',
    'console.onvif.refresh': 'Read again', 'console.onvif.refreshed': 'Camera read again', 'console.onvif.refreshFailed': 'Reading failed: {message}',
    'console.onvif.yes': 'yes', 'console.onvif.no': 'no',
  },
});
