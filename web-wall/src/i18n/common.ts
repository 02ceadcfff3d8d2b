// Texts every view uses: the shell, roles, statuses, severities, sensor rule
// names. Incident types, sensor kinds, offline reasons and units come from the
// shared vocabulary (./vocabulary.ts, device-registry/vocabulary.ts).
import { addText } from './index.ts';
import './vocabulary.ts';

addText({
  'zh-CN': {
    'app.title': '社会治理综合指挥中心 · 视频与物联感知接入',
    'app.short': '感知接入网关',
    'nav.wall': '视频墙', 'nav.dispatch': '调度', 'nav.sensors': '物联感知', 'nav.console': '设备管理',
    'login.title': '登录', 'login.key': 'API 密钥', 'login.remember': '在本工作站记住', 'login.submit': '登录',
    'login.bad': '密钥无效或已吊销', 'login.hint': '向管理员索取 gwk_ 开头的密钥；角色决定可用的视图。',
    'logout': '退出', 'events.offline': '事件流已断开，正在重连…',
    'role.admin': '管理员', 'role.engineer': '工程师', 'role.operator': '视频巡查员', 'role.dispatcher': '调度员',
    'state.online': '在线', 'state.offline': '离线', 'state.unknown': '未知', 'state.idle': '空闲', 'state.starting': '启动中', 'state.stale': '数据陈旧',
    'status.reported': '上报', 'status.accepted': '受理', 'status.dispatched': '派遣', 'status.handling': '处置', 'status.feedback': '反馈',
    'status.verified': '核实', 'status.rated': '评价', 'status.archived': '归档', 'status.rejected': '不予受理', 'status.invalid': '无效',
    'severity.critical': '特急', 'severity.major': '紧急', 'severity.minor': '一般', 'severity.warning': '提示',
    'kind.rtsp': 'RTSP 拉流', 'kind.rtmp': 'RTMP 推流', 'kind.gb28181': 'GB28181',
    'rule.above': '{metric}过高', 'rule.below': '{metric}过低', 'rule.rate': '{metric}上升过快', 'rule.fall': '{metric}下降过快', 'rule.offline': '离线',
    'common.save': '保存', 'common.cancel': '取消', 'common.close': '关闭', 'common.search': '搜索', 'common.loading': '加载中…',
    'common.none': '无', 'common.error': '出错了：{message}', 'common.edit': '编辑', 'common.add': '新增', 'common.delete': '删除',
  },
  en: {
    'app.title': 'Command center · video and IoT ingest',
    'app.short': 'Ingest gateway',
    'nav.wall': 'Video wall', 'nav.dispatch': 'Dispatch', 'nav.sensors': 'Sensors', 'nav.console': 'Devices',
    'login.title': 'Log in', 'login.key': 'API key', 'login.remember': 'Remember on this workstation', 'login.submit': 'Log in',
    'login.bad': 'The key is not valid or was revoked', 'login.hint': 'Ask an administrator for a key starting with gwk_; its role decides the views.',
    'logout': 'Log out', 'events.offline': 'Event stream lost, reconnecting…',
    'role.admin': 'Administrator', 'role.engineer': 'Engineer', 'role.operator': 'Video patrol', 'role.dispatcher': 'Dispatcher',
    'state.online': 'Online', 'state.offline': 'Offline', 'state.unknown': 'Unknown', 'state.idle': 'Idle', 'state.starting': 'Starting', 'state.stale': 'Stale',
    'status.reported': 'Reported', 'status.accepted': 'Accepted', 'status.dispatched': 'Dispatched', 'status.handling': 'Handling', 'status.feedback': 'Feedback',
    'status.verified': 'Verified', 'status.rated': 'Rated', 'status.archived': 'Archived', 'status.rejected': 'Rejected', 'status.invalid': 'False alarm',
    'severity.critical': 'Critical', 'severity.major': 'Major', 'severity.minor': 'Minor', 'severity.warning': 'Warning',
    'kind.rtsp': 'RTSP pull', 'kind.rtmp': 'RTMP push', 'kind.gb28181': 'GB28181',
    'rule.above': '{metric} high', 'rule.below': '{metric} low', 'rule.rate': '{metric} rising fast', 'rule.fall': '{metric} falling fast', 'rule.offline': 'Offline',
    'common.save': 'Save', 'common.cancel': 'Cancel', 'common.close': 'Close', 'common.search': 'Search', 'common.loading': 'Loading…',
    'common.none': 'None', 'common.error': 'Error: {message}', 'common.edit': 'Edit', 'common.add': 'Add', 'common.delete': 'Delete',
  },
});
