import { defineConfig } from "vite";

const port = Number(process.env.CAMERA_PORT ?? 5174);

export default defineConfig({
  server: { port, strictPort: true, host: "127.0.0.1" },
  preview: { port, strictPort: true, host: "127.0.0.1" },
  worker: { format: "es" },
  build: { target: "es2023" },
});
