import { buildOpenApiDocument } from './document.js';

/** For 405 answers: which methods each documented path takes, read from the OpenAPI document itself. */
export function createAllowedMethods(): (path: string) => string[] | undefined {
  const routes = Object.entries(buildOpenApiDocument().paths).map(([template, operations]) => ({
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    methods: Object.keys(operations).map((m) => m.toUpperCase()),
  }));
  return (path) => routes.find((r) => r.pattern.test(path))?.methods;
}
