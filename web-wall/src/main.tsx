import { render } from 'preact';
import './i18n/common.ts';
import './styles.css';
import { App } from './app.tsx';
import { resume } from './session.ts';

// A gateway that is down shows the login, which reports it on submit.
await resume().catch((err: unknown) => console.warn('could not resume the session', err));
render(<App />, document.getElementById('app')!);
