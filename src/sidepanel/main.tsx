/** Composition root: creates every model with its transport and renders the app. */
import { render } from 'preact';
import { askBackground } from '../messaging/client.ts';
import { App } from './components/App.tsx';
import { createEngineModel } from './models/engine.ts';

const engine = createEngineModel({ status: () => askBackground('engine.status', {}) });

render(<App engine={engine} />, document.getElementById('app')!);
void engine.refresh();
