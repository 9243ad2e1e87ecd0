# Oracle for implsupport.eric.wilson_interval: R's prop.test without continuity correction
# gives the Wilson score interval. Run: Rscript tests/oracle/wilson_prop_test.R
# The values are copied into tests/test_eric.py (R_WILSON).
for (x in c(15, 1, 5)) {
  ci <- prop.test(x, 25, correct = FALSE)$conf.int
  cat(sprintf("%d/25: %.12g %.12g\n", x, ci[1], ci[2]))
}
