import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { api } from '../../api/client';
import { useFormat, useT } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { Button, Card, ErrorNotice, Loading, Page } from '../../ui/ui';
import { journeyMessages, type JourneyMessageKey } from './messages';
import type { Journey, JourneyDefinition } from './model';
import './journeys.css';

interface Recipe {
  name: string;
  templates: Record<string, { id: string }>;
  coupons: Record<string, { id: string }>;
}

const BLANK: JourneyDefinition = { name: 'New journey', trigger: { type: 'event', event: 'Product Viewed' }, start: 'exit', nodes: [{ id: 'exit', type: 'exit' }] };

export function JourneyNewScreen() {
  const t = useT(journeyMessages);
  const format = useFormat();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const navigate = useNavigate();
  const client = useQueryClient();
  const [demoPace, setDemoPace] = useState(false);
  const recipes = useQuery({ queryKey: ['journeys', 'recipes'], queryFn: () => api.get<{ recipes: Recipe[] }>('/api/v1/journeys/recipes') });
  const install = useMutation({
    mutationFn: (name: string) =>
      name === ''
        ? api.post<Journey>('/api/v1/journeys', { body: BLANK })
        : api.post<{ journey: Journey }>('/api/v1/journeys/recipes/{name}', { params: { name }, body: demoPace ? { pace: 'demo' } : {} }).then((answer) => answer.journey),
    onSuccess: async (journey) => {
      await client.invalidateQueries({ queryKey: ['journeys'] });
      await navigate({ to: '/journeys/$id', params: { id: journey.id } });
    },
  });
  const known = (key: string): key is JourneyMessageKey => key in journeyMessages.en;
  return (
    <Page title={t('newTitle')} description={t('newDescription')} actions={<Link to="/journeys">{t('back')}</Link>}>
      <ErrorNotice error={install.error} />
      <div className="journeys-gallery">
        <Card title={t('blank')} className="journeys-recipe">
          <p>{t('blankDescription')}</p>
          <Button variant="secondary" disabled={!editable} busy={install.isPending && install.variables === ''} onClick={() => install.mutate('')}>
            {t('createBlank')}
          </Button>
        </Card>
      </div>
      <h2>{t('recipes')}</h2>
      <label className="journeys-check">
        <input type="checkbox" checked={demoPace} onChange={(event) => setDemoPace(event.target.checked)} disabled={!editable} /> {t('demoPace')}
      </label>
      {recipes.isPending ? <Loading /> : null}
      <ErrorNotice error={recipes.error} onRetry={() => void recipes.refetch()} />
      <ul className="journeys-gallery" aria-label={t('recipes')}>
        {(recipes.data?.recipes ?? []).map((recipe) => {
          const titleKey = `recipe.${recipe.name}`;
          const textKey = `recipe.${recipe.name}.text`;
          const title = known(titleKey) ? t(titleKey) : recipe.name;
          const templates = Object.keys(recipe.templates).length;
          const coupons = Object.keys(recipe.coupons).length;
          return (
            <li key={recipe.name} className="card journeys-recipe">
              <h3>{title}</h3>
              {known(textKey) ? <p>{t(textKey)}</p> : null}
              <p className="muted">
                {t('templatesN', { n: format.number(templates) })}
                {coupons > 0 ? ` · ${t('couponsN', { n: format.number(coupons) })}` : ''}
              </p>
              <Button
                variant="primary"
                aria-label={t('useRecipeNamed', { name: title })}
                disabled={!editable || install.isPending}
                busy={install.isPending && install.variables === recipe.name}
                onClick={() => install.mutate(recipe.name)}
              >
                {t('useRecipe')}
              </Button>
            </li>
          );
        })}
      </ul>
    </Page>
  );
}
