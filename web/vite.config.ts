// Vite builds the single-page app into ../build/web (make's output, never
// committed); the hashed files go under assets/, which web.c serves as
// immutable.  JSX is compiled by esbuild for Preact: no plugin needed.
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../build/web",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2020",
  },
  // `npx vite` during development: the API and the event stream of a
  // running server on the same origin
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", ws: true },
    },
  },
});
