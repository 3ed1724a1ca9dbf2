import { defineConfig } from "vite";

const port = Number(process.env.PLAYER_PORT ?? 5173);

export default defineConfig({
  server: { port, strictPort: true, host: "127.0.0.1" },
  preview: { port, strictPort: true, host: "127.0.0.1" },
  worker: { format: "es" },
  build: { target: "es2023" },
});
