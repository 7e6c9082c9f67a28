import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator } from 'playwright-core';
import { screenshotDir } from '../support/chromium.js';

/** Where the expected screenshots are kept (checked in): `test/ui/expected/NAME.png`. */
export const EXPECTED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'expected');
/** Set to 1 to write the current screenshots as the new expectations. */
export const UPDATE_ENV = 'IPN_GAUNTLET_UPDATE_SCREENSHOTS';
/** A pixel differs when one of its channels is further apart than this (antialiasing moves a few by less). */
const CHANNEL_TOLERANCE = 48;

export interface ScreenshotComparison {
  readonly size: string;
  readonly expectedSize: string;
  /** The share of pixels that differ, 0 to 1 (1 when the sizes differ). */
  readonly differing: number;
}

declare const document: {
  createElement(tag: 'canvas'): {
    width: number;
    height: number;
    getContext(kind: '2d'): {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    };
  };
};
declare const Image: new () => {
  src: string;
  naturalWidth: number;
  naturalHeight: number;
  decode(): Promise<void>;
};

/** Both PNGs decoded by the browser and compared pixel by pixel (no image library needed in Node). */
export async function comparePngs(browser: Browser, actual: Buffer, expected: Buffer): Promise<ScreenshotComparison> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      async ([a, b, tolerance]) => {
        const load = async (base64: string) => {
          const image = new Image();
          image.src = `data:image/png;base64,${base64}`;
          await image.decode();
          const canvas = document.createElement('canvas');
          canvas.width = image.naturalWidth;
          canvas.height = image.naturalHeight;
          const context = canvas.getContext('2d');
          context.drawImage(image, 0, 0);
          return {
            w: canvas.width,
            h: canvas.height,
            data: context.getImageData(0, 0, canvas.width, canvas.height).data,
          };
        };
        const [x, y] = [await load(a), await load(b)];
        const size = `${x.w}×${x.h}`;
        const expectedSize = `${y.w}×${y.h}`;
        if (size !== expectedSize) return { size, expectedSize, differing: 1 };
        let differing = 0;
        for (let i = 0; i < x.data.length; i += 4) {
          for (let c = 0; c < 4; c += 1) {
            if (Math.abs((x.data[i + c] ?? 0) - (y.data[i + c] ?? 0)) > tolerance) {
              differing += 1;
              break;
            }
          }
        }
        return { size, expectedSize, differing: differing / (x.w * x.h) };
      },
      [actual.toString('base64'), expected.toString('base64'), CHANNEL_TOLERANCE] as const,
    );
  } finally {
    await page.close();
  }
}

/**
 * The element's screenshot against `expected/NAME.png`. The actual one is saved beside the other screenshots
 * (`test-results/ui/ACTUAL.png`, by default `NAME.actual.png`) to look at when they differ; with
 * IPN_GAUNTLET_UPDATE_SCREENSHOTS=1 it becomes the expectation, unless it was given a name of its own (a deliberately
 * different picture compared against the expectation).
 */
export async function screenshotAgainstExpected(
  browser: Browser,
  element: Locator,
  name: string,
  actualName = `${name}.actual`,
): Promise<ScreenshotComparison> {
  const actual = await element.screenshot({ animations: 'disabled' });
  await writeFile(join(await screenshotDir(), `${actualName}.png`), actual);
  const file = join(EXPECTED_DIR, `${name}.png`);
  if (process.env[UPDATE_ENV] === '1' && actualName === `${name}.actual`) {
    await mkdir(EXPECTED_DIR, { recursive: true });
    await writeFile(file, actual);
  }
  if (!existsSync(file)) {
    throw new Error(`No expected screenshot test/ui/expected/${name}.png: run the test once with ${UPDATE_ENV}=1.`);
  }
  return comparePngs(browser, actual, await readFile(file));
}
