/**
 * A stdio MCP server (run as its own process: `node --import tsx <this file>
 * <mode>`) whose `tools/list` misbehaves, built with the SDK's low-level
 * `Server`:
 * - `loop`: every page holds one new tool and the same `nextCursor`, for ever;
 * - `many`: 600 tools, 100 a page, each with a 1,500-character description,
 *   plus one tool whose name is 300 characters long.
 * Each tool answers with its own name.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

const mode = process.argv.at(-1);
const tool = (name: string, description = `The tool ${name}.`): Tool => ({ name, description, inputSchema: { type: 'object' } });

const server = new Server({ name: 'paging-stdio-server', version: '1.0.0' }, { capabilities: { tools: {} } });
let served = 0;
server.setRequestHandler(ListToolsRequestSchema, (request) => {
  if (mode === 'loop') return { tools: [tool(`loop${served++}`)], nextCursor: 'again' };
  const page = Number(request.params?.cursor ?? '0');
  const tools = Array.from({ length: 100 }, (_, i) => tool(`many${page * 100 + i}`, `${'d'.repeat(1_499)}.`));
  if (page === 0) tools.push(tool('n'.repeat(300)));
  return { tools, ...(page < 5 ? { nextCursor: String(page + 1) } : {}) };
});
server.setRequestHandler(CallToolRequestSchema, (request) => ({ content: [{ type: 'text', text: request.params.name }] }));
await server.connect(new StdioServerTransport());
