/**
 * A stdio MCP server (run as its own process: `node --import tsx <this file>`)
 * that crashes on request: `crash` writes a line to stderr and exits in the
 * middle of the call; `pid` answers with the process id, so a test can see
 * that a new process took over. Built with the SDK's `McpServer`.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'crashing-stdio-server', version: '1.0.0' });
server.registerTool('pid', { description: 'The server process id.' }, () => ({ content: [{ type: 'text', text: String(process.pid) }] }));
server.registerTool('crash', { description: 'Exits during the call.' }, () => {
  process.stderr.write('crashing on purpose\n');
  process.exit(3);
});
await server.connect(new StdioServerTransport());
