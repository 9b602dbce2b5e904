import { Code, Tabs } from '@mantine/core';

export interface SampleRequest {
  method: string;
  url: string;
  body?: string;
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** The same call in curl, JavaScript and Python, with a placeholder for the token. */
export function CodeSamples({ request }: { request: SampleRequest }) {
  const { method, url, body } = request;
  const curl = [
    `curl -X ${method} ${quote(url)}`,
    `  -H 'Authorization: Bearer ACCESS_TOKEN'`,
    ...(body ? [`  -H 'Content-Type: application/json'`, `  --data ${quote(body)}`] : []),
  ].join(' \\\n');
  const js = [
    `const response = await fetch(${JSON.stringify(url)}, {`,
    `  method: ${JSON.stringify(method)},`,
    `  headers: {`,
    `    Authorization: 'Bearer ACCESS_TOKEN',`,
    ...(body ? [`    'Content-Type': 'application/json',`] : []),
    `  },`,
    ...(body ? [`  body: JSON.stringify(${body}),`] : []),
    `});`,
    `console.log(response.status, await response.json());`,
  ].join('\n');
  const python = [
    'import requests',
    '',
    `response = requests.request(`,
    `    ${JSON.stringify(method)},`,
    `    ${JSON.stringify(url)},`,
    body
      ? `    headers={"Authorization": "Bearer ACCESS_TOKEN", "Content-Type": "application/json"},`
      : `    headers={"Authorization": "Bearer ACCESS_TOKEN"},`,
    ...(body ? [`    data=${JSON.stringify(body)},`] : []),
    ')',
    'print(response.status_code, response.json())',
  ].join('\n');
  return (
    <Tabs defaultValue="curl" keepMounted={false}>
      <Tabs.List aria-label="Code samples">
        <Tabs.Tab value="curl">curl</Tabs.Tab>
        <Tabs.Tab value="js">JavaScript</Tabs.Tab>
        <Tabs.Tab value="python">Python</Tabs.Tab>
      </Tabs.List>
      {[
        ['curl', curl],
        ['js', js],
        ['python', python],
      ].map(([value, code]) => (
        <Tabs.Panel key={value} value={value as string} pt="xs">
          <Code block tabIndex={0}>
            {code}
          </Code>
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}
