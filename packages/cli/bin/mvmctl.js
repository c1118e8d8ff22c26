#!/usr/bin/env node
// mvmctl is written in TypeScript and runs on Node 20 without a build step: tsx's loader compiles on import.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
