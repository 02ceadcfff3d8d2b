// Sign-in, password change and the user menu (zh-CN and en). The single
// sign-on failures (?signin_error=<code>) are said from the catalogue
// (device-registry/messages.ts, sso_*); the password policy's rules
// (device-registry/auth/passwords.ts) by their codes here.
import { addText } from '../i18n/index.ts';

addText({
  'zh-CN': {
    'signin.title': '登录', 'signin.username': '用户名', 'signin.password': '密码', 'signin.submit': '登录', 'signin.busy': '正在登录…',
    'signin.wrong': '用户名或密码错误',
    'signin.locked': '登录失败次数过多，已暂时锁定，请 {wait} 后再试',
    'signin.expired': '会话已过期或已在其他地方退出，请重新登录',
    'signin.sso': '使用统一身份认证登录', 'signin.or': '或',
    'signin.useKey': '使用 API 密钥', 'signin.usePassword': '使用用户名和密码登录',
    'signin.keyHint': '大屏值守终端可使用管理员发放的 gwk_ 开头的密钥登录；角色决定可用的视图。',
    'signin.unreachable': '无法连接网关：{message}',
    'signin.wait.seconds': '{n} 秒', 'signin.wait.minutes': '{n} 分钟', 'signin.wait.minutesSeconds': '{m} 分 {s} 秒',
    'pw.title': '修改密码', 'pw.mustChange': '首次登录或密码已被管理员重置：请先设置新密码，然后才能使用系统。',
    'pw.current': '当前密码', 'pw.new': '新密码', 'pw.confirm': '再次输入新密码', 'pw.submit': '修改密码', 'pw.mismatch': '两次输入的新密码不一致',
    'pw.rules': '至少 10 个字符；不能包含用户名；不能是常见密码；修改后您在其他地方的登录将退出。',
    'pw.changed': '密码已修改，其他地方的登录已退出。',
    'pw.rule.password_too_short': '至少 {min} 个字符', 'pw.rule.password_too_long': '不能超过 {max} 个字符',
    'pw.rule.password_has_username': '不能包含用户名', 'pw.rule.password_common': '是最常见的密码之一，请换一个',
    'pw.rule.notCurrent': '不是您当前的密码', 'pw.rule.same': '不能与当前密码相同',
    'menu.open': '用户菜单', 'menu.changePassword': '修改密码', 'menu.signOut': '退出登录', 'menu.signOutEverywhere': '在所有设备上退出',
    'menu.signOutEverywhereAsk': '将结束您在所有工作站和浏览器上的登录，确定吗？', 'menu.viaKey': 'API 密钥', 'menu.viaSso': '统一身份认证',
    'menu.scope': '管辖范围：{cells}', 'menu.scopeAll': '管辖范围：全部',
  },
  en: {
    'signin.title': 'Sign in', 'signin.username': 'User name', 'signin.password': 'Password', 'signin.submit': 'Sign in', 'signin.busy': 'Signing in…',
    'signin.wrong': 'The user name or password is wrong',
    'signin.locked': 'Too many failed sign-ins: locked for now. Try again in {wait}',
    'signin.expired': 'Your session expired or was ended elsewhere: sign in again',
    'signin.sso': 'Sign in with the city\'s single sign-on', 'signin.or': 'or',
    'signin.useKey': 'Use an API key', 'signin.usePassword': 'Sign in with user name and password',
    'signin.keyHint': 'Kiosk walls may sign in with a key starting with gwk_ from an administrator; its role decides the views.',
    'signin.unreachable': 'Cannot reach the gateway: {message}',
    'signin.wait.seconds': '{n} s', 'signin.wait.minutes': '{n} min', 'signin.wait.minutesSeconds': '{m} min {s} s',
    'pw.title': 'Change password', 'pw.mustChange': 'First sign-in, or an administrator reset your password: set a new one before anything else.',
    'pw.current': 'Current password', 'pw.new': 'New password', 'pw.confirm': 'New password again', 'pw.submit': 'Change password', 'pw.mismatch': 'The two new passwords differ',
    'pw.rules': 'At least 10 characters; not containing your user name; not a common password. Changing it signs you out elsewhere.',
    'pw.changed': 'Password changed; you were signed out elsewhere.',
    'pw.rule.password_too_short': 'must be at least {min} characters', 'pw.rule.password_too_long': 'must be at most {max} characters',
    'pw.rule.password_has_username': 'must not contain the user name', 'pw.rule.password_common': 'is one of the most common passwords; choose another',
    'pw.rule.notCurrent': 'is not your current password', 'pw.rule.same': 'must differ from the current password',
    'menu.open': 'User menu', 'menu.changePassword': 'Change password', 'menu.signOut': 'Sign out', 'menu.signOutEverywhere': 'Sign out everywhere',
    'menu.signOutEverywhereAsk': 'This ends your sign-in on every workstation and browser. Go on?', 'menu.viaKey': 'API key', 'menu.viaSso': 'Single sign-on',
    'menu.scope': 'Scope: {cells}', 'menu.scopeAll': 'Scope: everything',
  },
});
