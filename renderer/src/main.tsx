import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { SessionClient } from './session/session-client';
import './styles.css';

const client = new SessionClient();
client.connect();
window.addEventListener('pagehide', () => void client.dispose());

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
