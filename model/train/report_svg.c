#include "model/train/report_svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Plot area inside a W x H canvas. */
#define W      640
#define H      440
#define LEFT   60
#define RIGHT  170
#define TOP    36
#define BOTTOM 50
#define PW     (W - LEFT - RIGHT)
#define PH     (H - TOP - BOTTOM)
#define BINS   50

static const char* const colours[] = {
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f"};
#define NCOLOURS ((int) (sizeof(colours) / sizeof(colours[0])))

/* Writes s with the five XML specials escaped. */
static void xml_text(FILE* f, const char* s)
{
  for (; *s; s++)
  {
    if (*s == '<')
      fputs("&lt;", f);
    else if (*s == '>')
      fputs("&gt;", f);
    else if (*s == '&')
      fputs("&amp;", f);
    else if (*s == '"')
      fputs("&quot;", f);
    else if (*s == '\'')
      fputs("&apos;", f);
    else
      fputc(*s, f);
  }
}

static void
text(FILE* f, double x, double y, const char* anchor, int size, const char* s)
{
  fprintf(
      f,
      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">",
      x,
      y,
      anchor,
      size);
  xml_text(f, s);
  fputs("</text>\n", f);
}

static FILE* begin(const char* path, const char* title)
{
  FILE* f = fopen(path, "w");
  if (f == NULL)
    return NULL;
  fprintf(
      f,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
      "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
      "stroke=\"black\"/>\n",
      W,
      H,
      W,
      H,
      W,
      H,
      LEFT,
      TOP,
      PW,
      PH);
  text(f, LEFT + PW / 2.0, 22, "middle", 15, title);
  return f;
}

static int end(FILE* f)
{
  fputs("</svg>\n", f);
  return fclose(f) == 0 ? 0 : -1;
}

static void grid_line(FILE* f, double x1, double y1, double x2, double y2)
{
  fprintf(
      f,
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
      "stroke=\"#ddd\"/>\n",
      x1,
      y1,
      x2,
      y2);
}

static void legend(FILE* f, int i, const char* colour, const char* label)
{
  double y = TOP + 14 + 18 * i;
  fprintf(
      f,
      "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
      "stroke-width=\"2\"/>\n",
      LEFT + PW + 10,
      y - 4,
      LEFT + PW + 30,
      y - 4,
      colour);
  text(f, LEFT + PW + 35, y, "start", 11, label);
}

/* x position of an FPR on the log axis 1e-4 .. 1. */
static double roc_x(double fpr)
{
  double l = log10(fpr < 1e-4 ? 1e-4 : fpr);
  return LEFT + (l + 4) / 4 * PW;
}

static double roc_y(double tpr)
{
  return TOP + (1 - tpr) * PH;
}

static void roc_axes(FILE* f)
{
  static const char* const labels[] = {"0.01%", "0.1%", "1%", "10%", "100%"};
  char buf[16];
  for (int e = 0; e <= 4; e++)
  {
    double x = roc_x(pow(10, e - 4));
    grid_line(f, x, TOP, x, TOP + PH);
    text(f, x, TOP + PH + 16, "middle", 11, labels[e]);
  }
  for (int k = 0; k <= 10; k += 2)
  {
    double y = roc_y(k / 10.0);
    grid_line(f, LEFT, y, LEFT + PW, y);
    snprintf(buf, sizeof(buf), "%d%%", k * 10);
    text(f, LEFT - 6, y + 4, "end", 11, buf);
  }
  text(
      f,
      LEFT + PW / 2.0,
      H - 12,
      "middle",
      12,
      "false-positive rate (log scale)");
  fprintf(
      f,
      "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" "
      "transform=\"rotate(-90 16 %.1f)\">detection rate</text>\n",
      TOP + PH / 2.0,
      TOP + PH / 2.0);
}

/* A ROC curve is a staircase: draw it so, not as slanted segments.  Steps
 * smaller than a third of a pixel are merged, which keeps a curve over
 * thousands of files a few kilobytes without changing the picture. */
static void roc_path(FILE* f, const svg_curve* c, const char* colour)
{
  double lx = 0, ly = 0;
  fprintf(
      f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" d=\"", colour);
  for (size_t i = 0; i < c->n; i++)
  {
    double x = roc_x(c->fpr[i]), y = roc_y(c->tpr[i]);
    if (i == 0)
      fprintf(f, "M%.1f,%.1f", x, y);
    else if (fabs(x - lx) >= 0.33 || fabs(y - ly) >= 0.33 || i + 1 == c->n)
      fprintf(f, " H%.1f V%.1f", x, y);
    else
      continue;
    lx = x;
    ly = y;
  }
  fputs("\"/>\n", f);
}

int svg_roc(const char* path, const char* title, const svg_curve* c, int nc)
{
  FILE* f = begin(path, title);
  if (f == NULL)
    return -1;
  roc_axes(f);
  for (int i = 0; i < nc; i++)
  {
    roc_path(f, &c[i], colours[i % NCOLOURS]);
    legend(f, i, colours[i % NCOLOURS], c[i].label);
  }
  return end(f);
}

/* Where a histogram puts a value: linearly between lo and hi, or (logit)
 * on a log-odds axis from -LOGIT_SPAN to +LOGIT_SPAN, where the scores near
 * 1 that thresholds cut (0.959, 0.9975, 0.9996) lie far apart instead of in
 * the last bin of a 0..1 axis. */
#define LOGIT_SPAN 10.0
typedef struct
{
  int logit;
  double lo, hi; /* linear axis */
} hist_axis;

/* 0..1 across the plot (outside: clamped into the end bins). */
static double axis_at(const hist_axis* a, double v)
{
  if (!a->logit)
    return (v - a->lo) / (a->hi - a->lo);
  double p = fmin(fmax(v, 1e-12), 1 - 1e-12);
  return (log(p / (1 - p)) + LOGIT_SPAN) / (2 * LOGIT_SPAN);
}

static void
histogram_bars(FILE* f, const double* share, double top, const char* colour)
{
  for (int b = 0; b < BINS; b++)
  {
    if (share[b] <= 0)
      continue;
    double h = sqrt(share[b] / top) * PH;
    fprintf(
        f,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
        "fill=\"%s\" "
        "fill-opacity=\"0.5\" stroke=\"%s\" stroke-width=\"0.5\"/>\n",
        LEFT + b * (double) PW / BINS,
        TOP + PH - h,
        (double) PW / BINS,
        h,
        colour,
        colour);
  }
}

static void x_ticks(FILE* f, const hist_axis* a)
{
  /* On the log-odds axis, ticks at probabilities an analyst compares a
     score with; each sits at its own log-odds. */
  static const double probs[] = {
      0.0001, 0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999};
  char buf[32];
  int n = a->logit ? (int) (sizeof(probs) / sizeof(probs[0])) : 5;
  for (int k = 0; k < n; k++)
  {
    double v = a->logit ? probs[k] : a->lo + (a->hi - a->lo) * k / 4;
    double x = LEFT + axis_at(a, v) * PW;
    grid_line(f, x, TOP, x, TOP + PH);
    snprintf(buf, sizeof(buf), "%g", v);
    text(f, x, TOP + PH + 16, "middle", a->logit ? 9 : 11, buf);
  }
}

static void histogram_axes(FILE* f, const hist_axis* a, double top)
{
  char buf[32];
  x_ticks(f, a);
  static const double ticks[] = {0.01, 0.1, 0.25, 0.5, 1.0};
  for (int k = 0; k < 5; k++)
  {
    if (ticks[k] > top * 1.0001)
      break;
    double y = TOP + PH - sqrt(ticks[k] / top) * PH;
    grid_line(f, LEFT, y, LEFT + PW, y);
    snprintf(buf, sizeof(buf), "%g%%", 100 * ticks[k]);
    text(f, LEFT - 6, y + 4, "end", 11, buf);
  }
  text(
      f,
      LEFT + PW / 2.0,
      H - 12,
      "middle",
      12,
      a->logit ? "score (log-odds axis: log(p / (1 - p)) from -10 to +10)"
               : "score");
  fprintf(
      f,
      "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" "
      "transform=\"rotate(-90 16 %.1f)\">share of the class (sqrt "
      "scale)</text>\n",
      TOP + PH / 2.0,
      TOP + PH / 2.0);
}

static void fill_shares(
    const double* score,
    const int* label,
    size_t n,
    int cls,
    const hist_axis* a,
    double* share)
{
  double total = 0;
  memset(share, 0, BINS * sizeof(double));
  for (size_t i = 0; i < n; i++)
  {
    if ((label[i] != 0) != cls || isnan(score[i]))
      continue;
    int b = (int) floor(axis_at(a, score[i]) * BINS);
    share[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
    total++;
  }
  for (int b = 0; total > 0 && b < BINS; b++) share[b] /= total;
}

/* A dashed line per marker.  Labels are stacked one per row from the top,
 * so cuts close together stay readable, and those in the right half run
 * leftwards from their line, so none reaches the legend beside the plot. */
static void markers(FILE* f, const hist_axis* a, const svg_marker* m, int nm)
{
  for (int i = 0; i < nm; i++)
  {
    double x = LEFT + fmin(fmax(axis_at(a, m[i].value), 0), 1) * PW;
    fprintf(
        f,
        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
        "stroke=\"black\" stroke-dasharray=\"4,3\"/>\n",
        x,
        TOP,
        x,
        TOP + PH);
    int right = x > LEFT + 0.5 * PW;
    text(
        f,
        right ? x - 3 : x + 3,
        TOP + 12 + 12 * i,
        right ? "end" : "start",
        10,
        m[i].label);
  }
}

static int histogram(
    const char* path,
    const char* title,
    const double* score,
    const int* label,
    size_t n,
    const hist_axis* a,
    const svg_marker* m,
    int nm)
{
  double share[2][BINS], top = 0;
  for (int cls = 0; cls < 2; cls++)
    fill_shares(score, label, n, cls, a, share[cls]);
  for (int b = 0; b < BINS; b++)
    top = fmax(top, fmax(share[0][b], share[1][b]));
  FILE* f = begin(path, title);
  if (f == NULL)
    return -1;
  top = top > 0 ? top : 1;
  histogram_axes(f, a, top);
  histogram_bars(f, share[0], top, "#2ca02c");
  histogram_bars(f, share[1], top, "#d62728");
  legend(f, 0, "#2ca02c", "benign");
  legend(f, 1, "#d62728", "malware");
  markers(f, a, m, nm);
  return end(f);
}

int svg_histogram(
    const char* path,
    const char* title,
    const double* score,
    const int* label,
    size_t n,
    double lo,
    double hi,
    const svg_marker* m,
    int nm)
{
  hist_axis a = {0, lo, hi};
  return histogram(path, title, score, label, n, &a, m, nm);
}

int svg_histogram_logit(
    const char* path,
    const char* title,
    const double* score,
    const int* label,
    size_t n,
    const svg_marker* m,
    int nm)
{
  hist_axis a = {1, 0, 1};
  return histogram(path, title, score, label, n, &a, m, nm);
}
