export { saveBlob } from '@/lib/save-blob';

/** The file name for a download: the invoice number (or id) and the format's extension. */
export function downloadFileName(base: string, format: 'original' | 'ubl' | 'cii' | 'pdf', contentType?: string): string {
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '_') || 'invoice';
  if (format === 'pdf') return `${safe}.pdf`;
  if (format === 'original') return `${safe}${contentType === 'application/pdf' ? '.pdf' : '.xml'}`;
  return `${safe}-${format}.xml`;
}
