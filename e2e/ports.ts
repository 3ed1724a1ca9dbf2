// Ports used while testing: apart from the development ones, so tests can run beside `npm start`.
export const PORTS = {
  player: Number(process.env.PLAYER_TEST_PORT ?? 5273),
  camera: Number(process.env.CAMERA_TEST_PORT ?? 5274),
  fixtures: Number(process.env.FIXTURES_TEST_PORT ?? 5275),
} as const;
