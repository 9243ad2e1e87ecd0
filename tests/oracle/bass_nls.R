# Reference values for implsupport.diffusion.fit_bass_nls from R's minpack.lm (nlsLM).
# Data: the ten-period teaching series of chapter 11 (origin unverified; not data about a real
# product or practice). Both forms of the mean are fitted at tight tolerances:
#   density form:  count_t = m * f(t)
#   interval form: count_t = m * (F(t) - F(t - 1))
# Re-run from the repository root:  Rscript tests/oracle/bass_nls.R > tests/oracle/bass_nls.json
suppressPackageStartupMessages({
  library(minpack.lm)
  library(jsonlite)
})
counts <- c(840, 1470, 2110, 4000, 7590, 10950, 10530, 9470, 7790, 5890)
d <- data.frame(t = seq_along(counts), y = counts)

cdf <- function(t, p, q) (1 - exp(-(p + q) * t)) / (1 + (q / p) * exp(-(p + q) * t))
pdf <- function(t, p, q) {
  e <- exp(-(p + q) * t)
  ((p + q)^2 / p) * e / (1 + (q / p) * e)^2
}

one <- function(formula) {
  fit <- nlsLM(formula, data = d, start = list(m = 60000, p = 0.01, q = 0.5),
               control = nls.lm.control(ftol = 1e-14, ptol = 1e-14, maxiter = 1000))
  s <- summary(fit)
  list(estimate = as.list(coef(fit)), std_error = as.list(s$coefficients[, "Std. Error"]),
       resid_se = s$sigma, df_resid = s$df[2])
}

out <- list(
  counts = counts,
  density = one(y ~ m * pdf(t, p, q)),
  interval = one(y ~ m * (cdf(t, p, q) - cdf(t - 1, p, q)))
)
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "\n")
