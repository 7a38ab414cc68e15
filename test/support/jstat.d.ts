/** The parts of jstat (no published types) the figures' tests take reference values from. */
declare module 'jstat' {
  export const jStat: {
    normal: { cdf(x: number, mean: number, sd: number): number; inv(p: number, mean: number, sd: number): number };
    mean(values: number[]): number;
    variance(values: number[], sample?: boolean): number;
  };
}
