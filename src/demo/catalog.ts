import type { ProductInput } from '../catalog/index.js';
import type { Random } from './random.js';

/** A demo product with the catalog fields the generator needs typed (ProductInput leaves them optional). */
export interface DemoProduct extends ProductInput {
  sku: string;
  category: string[];
  brand: string;
  price: number;
  currency: string;
  inventory: number;
  url: string;
  image_url: string;
}

interface Department {
  name: string;
  /** Subcategory → product nouns. */
  categories: Record<string, readonly string[]>;
  brands: readonly string[];
  /** Median price and spread (sigma of its log). */
  price: [number, number];
  /** Share of the catalog. */
  weight: number;
}

const DEPARTMENTS: readonly Department[] = [
  {
    name: 'Apparel',
    categories: {
      'Outerwear > Jackets': ['Rain Jacket', 'Down Jacket', 'Denim Jacket', 'Bomber Jacket', 'Softshell Jacket'],
      Tops: ['T-Shirt', 'Linen Shirt', 'Hoodie', 'Merino Sweater', 'Polo Shirt'],
      Bottoms: ['Chinos', 'Slim Jeans', 'Cargo Pants', 'Shorts', 'Joggers'],
      Dresses: ['Wrap Dress', 'Midi Dress', 'Shirt Dress', 'Maxi Dress'],
    },
    brands: ['Nordwind', 'Harbor & Co', 'Urbanist', 'Loom Theory', 'Kestrel'],
    price: [49, 0.55],
    weight: 0.32,
  },
  {
    name: 'Footwear',
    categories: {
      Sneakers: ['Court Sneaker', 'Running Shoe', 'Trail Runner', 'Canvas Low-Top'],
      Boots: ['Chelsea Boot', 'Hiking Boot', 'Rain Boot', 'Work Boot'],
      Sandals: ['Slide Sandal', 'Sport Sandal', 'Espadrille'],
    },
    brands: ['Stride Lab', 'Kestrel', 'Terrafirm', 'Pacer'],
    price: [85, 0.4],
    weight: 0.18,
  },
  {
    name: 'Beauty',
    categories: {
      Skincare: ['Day Cream', 'Night Serum', 'Cleansing Gel', 'SPF 50 Fluid', 'Eye Balm'],
      Makeup: ['Matte Lipstick', 'Mascara', 'Tinted Moisturiser', 'Brow Pencil'],
      Fragrance: ['Eau de Parfum', 'Body Mist', 'Scented Candle'],
    },
    brands: ['Lumi', 'Botanica', 'Maison Rêve', 'Dermalab'],
    price: [24, 0.5],
    weight: 0.2,
  },
  {
    name: 'Home',
    categories: {
      Kitchen: ['Chef Knife', 'Cast Iron Pan', 'Pour-Over Set', 'Stoneware Mug', 'Cutting Board'],
      Bedding: ['Linen Duvet Cover', 'Percale Sheet Set', 'Wool Throw', 'Down Pillow'],
      Decor: ['Ceramic Vase', 'Table Lamp', 'Wall Mirror', 'Woven Basket'],
    },
    brands: ['Hearth', 'Oak & Ash', 'Nordic Nest', 'Kiln'],
    price: [39, 0.7],
    weight: 0.18,
  },
  {
    name: 'Electronics',
    categories: {
      Audio: ['Wireless Earbuds', 'Over-Ear Headphones', 'Bluetooth Speaker'],
      'Phone Accessories': ['USB-C Charger', 'Power Bank', 'Phone Case', 'Charging Cable'],
      Wearables: ['Fitness Tracker', 'Smartwatch'],
    },
    brands: ['Voltra', 'Sonique', 'Pulse', 'Ampere'],
    price: [59, 0.85],
    weight: 0.12,
  },
];

const COLORS = ['Black', 'Navy', 'Olive', 'Sand', 'White', 'Grey', 'Rust', 'Forest'];

/** Where Rapport serves the demo storefront (src/http/public/demo-storefront.ts). */
export const DEMO_SHOP_PATH = '/demo/shop';
/** The origin the demo links to when not told the server's public URL: `rapport start`'s default address. */
export const DEMO_SHOP_ORIGIN = 'http://127.0.0.1:4000';

/**
 * A catalog of `count` products across apparel, footwear, beauty, home and electronics, with
 * brands, log-normal prices and inventory (about 6% sold out, so Back In Stock can fire), linked
 * to the demo storefront at `origin`.
 */
export function generateCatalog(random: Random, count: number, currency = 'USD', origin = DEMO_SHOP_ORIGIN): DemoProduct[] {
  const products: DemoProduct[] = [];
  const weights = DEPARTMENTS.map((department) => [department, department.weight] as const);
  for (let index = 0; index < count; index++) {
    const department = random.weighted(weights);
    const category = random.pick(Object.keys(department.categories));
    const noun = random.pick(department.categories[category] ?? ['Item']);
    const brand = random.pick(department.brands);
    const color = random.pick(COLORS);
    const [median, sigma] = department.price;
    // Shop prices end in .99 or .00 and are never below a few dollars.
    const raw = Math.max(4, random.logNormal(median, sigma));
    const price = random.chance(0.7) ? Math.floor(raw) + 0.99 : Math.round(raw);
    const id = `prod_${String(index + 1).padStart(4, '0')}`;
    products.push({
      id,
      sku: `${department.name.slice(0, 3).toUpperCase()}-${String(1000 + index)}`,
      name: `${brand} ${color} ${noun}`,
      // The storefront Rapport serves: its product page and the picture it draws.
      url: `${origin}${DEMO_SHOP_PATH}/p/${id}`,
      image_url: `${origin}${DEMO_SHOP_PATH}/img/${id}.svg`,
      category: [department.name, ...category.split(' > ')],
      brand,
      price,
      currency,
      inventory: random.chance(0.06) ? 0 : random.int(1, 250),
      attributes: { color, department: department.name },
    });
  }
  return products;
}
